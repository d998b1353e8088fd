// The built-in dashboard page: draws every card of the dashboard specs from
// GET /dashboards and GET /dashboards/{slug}/cards/{card}, with ECharts.
// The filters live in the query string, so a view can be shared; live cards
// (about today) are fetched again every second, the others every 30 seconds.
;(() => {
  const LIVE_EVERY_MS = 1000
  const OTHERS_EVERY_MS = 30_000
  const DEFAULT_DAYS = 30
  const FILTERS = ["from", "to", "category", "employee_id"]
  const PALETTE = ["#8a5a3b", "#d49a5c", "#5b7f6e", "#c96f53", "#7d6ca8", "#b8a27a", "#4f7ca1", "#a34b6c"]
  const NUMERIC = new Set(["integer", "number", "money", "percent"])

  const $ = (id) => document.getElementById(id)
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null) node.setAttribute(k, String(v))
    }
    for (const c of children) node.append(c)
    return node
  }

  const utcDay = (daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)

  const format = (type, value) => {
    if (value === null || value === undefined) return "–"
    switch (type) {
      case "money":
        return value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      case "integer":
        return value.toLocaleString(undefined, { maximumFractionDigits: 0 })
      case "number":
        return value.toLocaleString(undefined, { maximumFractionDigits: 2 })
      case "percent":
        return `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`
      case "timestamp":
        return new Date(value).toLocaleString()
      case "boolean":
        return value ? "yes" : "no"
      default:
        return String(value)
    }
  }

  // --- State: the dashboard and filters, read from and written to the URL.

  const readState = () => {
    const params = new URLSearchParams(location.search)
    const state = { dashboard: params.get("dashboard") ?? "" }
    for (const f of FILTERS) state[f] = params.get(f) ?? ""
    if (!params.has("from") && !params.has("to")) {
      state.from = utcDay(DEFAULT_DAYS - 1)
      state.to = utcDay(0)
    }
    return state
  }

  const writeState = (state, push) => {
    const params = new URLSearchParams()
    if (state.dashboard) params.set("dashboard", state.dashboard)
    for (const f of FILTERS) if (state[f]) params.set(f, state[f])
    const url = `${location.pathname}?${params}`
    if (push) history.pushState(null, "", url)
    else history.replaceState(null, "", url)
  }

  let state = readState()
  let dashboards = []
  let mounted = [] // { card, node, chart, timer, inFlight }
  let generation = 0

  // --- Drawing one card.

  const columnIndex = (card, name) => card.columns.findIndex((c) => c.name === name)

  const distinct = (values) => [...new Set(values)]

  /** Axis ticks: whole amounts read faster than cents. */
  const axisLabel = (type) => ({
    formatter: (v) => (type === "percent" ? `${v}%` : v.toLocaleString(undefined, { maximumFractionDigits: 1 })),
    hideOverlap: true
  })

  const tooltipFormatter = (type) => (v) => format(type, v)

  /** Line and bar (and row, its horizontal form): one series per measure, or per value of `series`. */
  const cartesianOption = (card, rows) => {
    const viz = card.visualization
    const xi = columnIndex(card, viz.x)
    const measures = (viz.y ?? []).map((name) => card.columns[columnIndex(card, name)])
    const categories = distinct(rows.map((r) => r[xi]))
    let series
    if (viz.series) {
      const si = columnIndex(card, viz.series)
      const yi = columnIndex(card, measures[0].name)
      series = distinct(rows.map((r) => r[si])).map((name) => {
        const byX = new Map(rows.filter((r) => r[si] === name).map((r) => [r[xi], r[yi]]))
        return { name: String(name), data: categories.map((x) => byX.get(x) ?? 0) }
      })
    } else {
      series = measures.map((m) => {
        const yi = columnIndex(card, m.name)
        return { name: m.title, data: rows.map((r) => r[yi]) }
      })
    }
    const horizontal = card.display === "row"
    const type = card.display === "line" ? "line" : "bar"
    const valueType = measures[0]?.type ?? "number"
    // Two measures of different kinds (revenue and orders) get an axis each.
    const twoAxes = !viz.series && !horizontal && measures.length === 2 && measures[0].type !== measures[1].type
    const category = {
      type: "category",
      data: categories.map(String),
      inverse: horizontal,
      // Rows: names cut at 140 px. A few named bars: every name, cut to fit. A long axis (days):
      // whole labels, as many as fit (a width cap there cut every date to "2026-...").
      axisLabel: horizontal
        ? { hideOverlap: true, interval: "auto", width: 140, overflow: "truncate" }
        : categories.length <= 12
          ? { hideOverlap: true, interval: 0, width: Math.max(48, 640 / categories.length), overflow: "truncate" }
          : { hideOverlap: true, interval: "auto" }
    }
    const values = twoAxes
      ? measures.map((m, i) => ({ type: "value", axisLabel: axisLabel(m.type), splitLine: { show: i === 0 } }))
      : { type: "value", axisLabel: axisLabel(valueType) }
    return {
      color: PALETTE,
      grid: { left: 8, right: 12, top: series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
      legend: series.length > 1 ? { top: 0, type: "scroll" } : undefined,
      tooltip: { trigger: "axis", valueFormatter: tooltipFormatter(valueType) },
      xAxis: horizontal ? values : category,
      yAxis: horizontal ? category : values,
      series: series.map((s, i) => ({
        ...s,
        type,
        yAxisIndex: twoAxes ? i : 0,
        smooth: false,
        showSymbol: type === "line" && categories.length <= 31,
        stack: viz.series && type === "bar" ? "total" : undefined,
        areaStyle: type === "line" && series.length === 1 ? { opacity: 0.12 } : undefined,
        barMaxWidth: 36
      }))
    }
  }

  const pieOption = (card, rows) => {
    const xi = columnIndex(card, card.visualization.x)
    const measure = card.columns[columnIndex(card, card.visualization.y[0])]
    const yi = columnIndex(card, measure.name)
    return {
      color: PALETTE,
      tooltip: { trigger: "item", valueFormatter: tooltipFormatter(measure.type) },
      legend: { bottom: 0, type: "scroll" },
      series: [
        {
          type: "pie",
          // Name and share on two lines, laid out against the card's edges: on one line beside a
          // wide ring they were cut ("mobile: 27....").
          radius: ["32%", "54%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}\n{d}%", alignTo: "edge", edgeDistance: 8, lineHeight: 15 },
          labelLine: { length: 10, length2: 8 },
          data: rows.map((r) => ({ name: String(r[xi]), value: r[yi] }))
        }
      ]
    }
  }

  const heatmapOption = (card, rows) => {
    const viz = card.visualization
    const xi = columnIndex(card, viz.x)
    const si = columnIndex(card, viz.series)
    const measure = card.columns[columnIndex(card, viz.y[0])]
    const vi = columnIndex(card, measure.name)
    const xs = distinct(rows.map((r) => r[xi])).sort()
    const ys = distinct(rows.map((r) => r[si]))
    const data = rows.map((r) => [xs.indexOf(r[xi]), ys.indexOf(r[si]), r[vi]])
    const max = Math.max(1, ...rows.map((r) => r[vi] ?? 0))
    return {
      tooltip: { position: "top", valueFormatter: tooltipFormatter(measure.type) },
      grid: { left: 8, right: 64, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: xs, splitArea: { show: true } },
      yAxis: { type: "category", data: ys, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: 0,
        max,
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        itemHeight: 120,
        itemWidth: 12,
        inRange: { color: ["#f7ede2", "#d49a5c", "#8a5a3b", "#3e2418"] }
      },
      series: [{ type: "heatmap", name: measure.title, data, label: { show: false } }]
    }
  }

  const drawScalar = (m, rows) => {
    const { card } = m
    const yi = columnIndex(card, card.visualization.y[0])
    const column = card.columns[yi]
    const value = rows[0][yi]
    const body = el(
      "div",
      { class: "scalar" },
      el("div", { class: "value", "data-value": value ?? "" }, format(column.type, value))
    )
    const ci = card.visualization.comparison ? columnIndex(card, card.visualization.comparison) : -1
    if (ci >= 0) {
      const other = rows[0][ci]
      const compare = el("div", { class: "compare" })
      if (
        typeof value === "number" &&
        typeof other === "number" &&
        other !== 0 &&
        card.columns[ci].type === column.type
      ) {
        const change = ((value - other) / Math.abs(other)) * 100
        compare.append(
          el(
            "span",
            { class: change >= 0 ? "up" : "down" },
            `${change >= 0 ? "▲" : "▼"} ${Math.abs(change).toFixed(1)}% `
          )
        )
      }
      compare.append(`${card.columns[ci].title}: ${format(card.columns[ci].type, other)}`)
      body.append(compare)
    }
    return body
  }

  const drawTable = (card, rows) => {
    const head = el(
      "tr",
      {},
      ...card.columns.map((c) => el("th", { class: NUMERIC.has(c.type) ? "num" : "" }, c.title))
    )
    const body = rows.map((r) =>
      el(
        "tr",
        {},
        ...card.columns.map((c, i) =>
          el(
            "td",
            { class: NUMERIC.has(c.type) ? "num" : c.name === "error" || c.name === "reason" ? "wrap" : "" },
            format(c.type, r[i])
          )
        )
      )
    )
    return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)))
  }

  /** No rows, a figure without a value, or a chart whose every measure is zero: nothing to draw. */
  const isEmpty = (card, rows) => {
    if (rows.length === 0) return true
    if (card.display === "scalar") return rows[0][columnIndex(card, card.visualization.y[0])] === null
    if (card.display === "table") return false
    const measures = (card.visualization.y ?? []).map((name) => columnIndex(card, name))
    return rows.every((r) => measures.every((i) => r[i] === null || r[i] === 0))
  }

  const disposeChart = (m) => {
    if (m.chart) {
      m.chart.dispose()
      m.chart = undefined
    }
  }

  const render = (m, data) => {
    const { card, node } = m
    const body = node.querySelector(".body")
    const rows = data.rows
    node.dataset.rows = String(rows.length)
    if (isEmpty(card, rows)) {
      disposeChart(m)
      node.dataset.state = "empty"
      body.replaceChildren(el("div", { class: "empty" }, card.empty ?? "Nothing to show yet for these filters."))
      return
    }
    node.dataset.state = "ready"
    if (card.display === "scalar" || card.display === "table") {
      disposeChart(m)
      body.replaceChildren(card.display === "scalar" ? drawScalar(m, rows) : drawTable(card, rows))
      return
    }
    const option =
      card.display === "pie"
        ? pieOption(card, rows)
        : card.display === "heatmap"
          ? heatmapOption(card, rows)
          : cartesianOption(card, rows)
    if (!m.chart) {
      const holder = el("div", { class: "chart" })
      body.replaceChildren(holder)
      m.chart = echarts.init(holder, null, { renderer: "canvas" })
    }
    m.chart.setOption(option, { notMerge: true, lazyUpdate: true })
  }

  const renderError = (m, message) => {
    disposeChart(m)
    m.node.dataset.state = "error"
    m.node.querySelector(".body").replaceChildren(el("div", { class: "error" }, message))
  }

  const cardQuery = () => {
    const params = new URLSearchParams()
    for (const f of FILTERS) if (state[f]) params.set(f, state[f])
    const text = params.toString()
    return text === "" ? "" : `?${text}`
  }

  const load = async (m, mine) => {
    if (m.inFlight) return
    m.inFlight = true
    try {
      const res = await fetch(`/dashboards/${m.dashboard}/cards/${m.card.slug}${cardQuery()}`, { cache: "no-store" })
      const json = await res.json()
      if (mine !== generation) return
      if (res.ok) render(m, json)
      else renderError(m, json.message ?? `The server answered ${res.status}.`)
      $("status").textContent = `Updated ${new Date().toLocaleTimeString()}`
    } catch {
      if (mine === generation) renderError(m, "The API does not answer: is Brewlytics running?")
    } finally {
      m.inFlight = false
    }
  }

  // --- The page: tabs, filters, the grid of cards.

  const unmount = () => {
    generation++
    for (const m of mounted) {
      clearInterval(m.timer)
      disposeChart(m)
    }
    mounted = []
  }

  const mount = () => {
    unmount()
    const mine = generation
    const dashboard = dashboards.find((d) => d.slug === state.dashboard) ?? dashboards[0]
    state.dashboard = dashboard.slug
    document.title = `${dashboard.title} · Brewlytics`
    $("title").textContent = dashboard.title
    $("description").textContent = dashboard.description
    for (const a of $("tabs").querySelectorAll("a")) {
      if (a.dataset.slug === dashboard.slug) a.setAttribute("aria-current", "page")
      else a.removeAttribute("aria-current")
    }
    const form = $("filters")
    for (const label of form.querySelectorAll("label[data-filter]")) {
      const name = label.dataset.filter
      const shown =
        dashboard.filters.includes(name) ||
        ((name === "from" || name === "to") && dashboard.filters.some((f) => f === "from" || f === "to"))
      label.hidden = !shown
      form.elements[name].value = state[name]
    }
    const grid = $("grid")
    grid.replaceChildren()
    for (const card of dashboard.cards) {
      const { col, row, sizeX, sizeY } = card.layout
      const node = el(
        "article",
        {
          class: `card ${card.display}-card${sizeX <= 8 ? " narrow" : ""}`,
          "data-card": card.slug,
          "data-display": card.display,
          "data-state": "loading",
          title: card.description,
          style: `--x: ${col + 1}; --y: ${row + 1}; --w: ${sizeX}; --h: ${sizeY}`
        },
        el("h2", {}, card.title, ...(card.live ? [el("span", { class: "live" }, "live")] : [])),
        el("div", { class: "body" })
      )
      grid.append(node)
      const m = { dashboard: dashboard.slug, card, node, chart: undefined, timer: undefined, inFlight: false }
      mounted.push(m)
      load(m, mine)
      m.timer = setInterval(() => load(m, mine), card.live ? LIVE_EVERY_MS : OTHERS_EVERY_MS)
    }
  }

  const onFilterChange = () => {
    const form = $("filters")
    for (const f of FILTERS) state[f] = form.elements[f].value
    if (state.from && state.to && state.from > state.to) {
      $("status").textContent = "From is after To: pick an earlier From."
      return
    }
    writeState(state, true)
    mount()
  }

  const loadEmployees = async () => {
    try {
      const res = await fetch("/employees?limit=200")
      if (!res.ok) return
      const select = $("filters").elements.employee_id
      for (const e of (await res.json()).items) select.append(el("option", { value: e.id }, e.name))
      select.value = state.employee_id
    } catch {
      // The filter keeps "All"; the cards say whether the API answers.
    }
  }

  const start = async () => {
    let res
    try {
      res = await fetch("/dashboards")
    } catch {
      $("grid").replaceChildren(el("div", { class: "error" }, "The API does not answer: is Brewlytics running?"))
      return
    }
    dashboards = await res.json()
    const tabs = $("tabs")
    for (const d of dashboards) {
      const a = el("a", { href: `?dashboard=${d.slug}`, "data-slug": d.slug }, d.title)
      a.addEventListener("click", (event) => {
        event.preventDefault()
        state.dashboard = d.slug
        writeState(state, true)
        mount()
      })
      tabs.append(a)
    }
    $("filters").addEventListener("change", onFilterChange)
    $("filters").addEventListener("submit", (event) => event.preventDefault())
    window.addEventListener("popstate", () => {
      state = readState()
      mount()
    })
    window.addEventListener("resize", () => {
      for (const m of mounted) m.chart?.resize()
    })
    await loadEmployees()
    mount()
    writeState(state, false)
  }

  start()
})()
