import { Schema } from "effect"

// The `u` flag lets the OpenAPI document carry these patterns (Effect exports Unicode patterns only).
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/u

// With the `u` flag a lone UTF-16 surrogate is a code point of category Cs,
// while a valid pair is one astral code point. JSON may carry lone surrogates
// (`"\ud800"`); UTF-8 cannot, so PostgreSQL would store U+FFFD instead.
const WELL_FORMED = /^\P{Cs}*$/u
const wellFormed = Schema.isPattern(WELL_FORMED, {
  message: "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"
})

/** A display name: trimmed, 1–120 characters, no control characters (NUL bytes included), valid Unicode. */
export const Name = Schema.Trimmed.check(
  Schema.isMinLength(1, { message: "must not be empty" }),
  Schema.isMaxLength(120, { message: "must be at most 120 characters" }),
  Schema.isPattern(NO_CONTROL, { message: "must not contain control characters" }),
  wellFormed
)

/** An email address, stored lower-cased so uniqueness is case-insensitive. */
export const Email = Schema.Trimmed.check(
  Schema.isMaxLength(254, { message: "must be at most 254 characters" }),
  Schema.isPattern(/^[^\s@\u0000-\u001f]+@[^\s@\u0000-\u001f]+\.[^\s@\u0000-\u001f]+$/u, {
    message: "must be an email address such as ana@example.com"
  }),
  wellFormed
)
