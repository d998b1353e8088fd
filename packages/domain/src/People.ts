import { Schema } from "effect"
import { CustomerId, EmployeeId } from "./Ids.ts"
import { Email, Name } from "./Text.ts"

export class Customer extends Schema.Class<Customer>("@brewlytics/domain/Customer")({
  id: CustomerId,
  name: Name,
  email: Email
}) {}

export const Role = Schema.Literals(["barista", "shift_lead", "manager", "cashier", "baker"])
export type Role = typeof Role.Type

export class Employee extends Schema.Class<Employee>("@brewlytics/domain/Employee")({
  id: EmployeeId,
  name: Name,
  role: Role,
  active: Schema.Boolean
}) {}
