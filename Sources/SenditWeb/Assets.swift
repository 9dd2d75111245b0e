/// The one stylesheet, shipped in the binary (no CDN, no external font).
enum Assets {
    static let css = """
        :root { --fg: #1b1f23; --muted: #586069; --line: #d1d5da; --bg: #fff; --accent: #0b5cad; --bad: #b31d28; --warn: #8a6100; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        header nav { display: flex; gap: .75rem; flex: 1; flex-wrap: wrap; }
        header nav a[aria-current] { font-weight: bold; text-decoration: none; color: var(--fg); }
        .who { color: var(--muted); }
        main { padding: 1rem; max-width: 1200px; }
        main.login { max-width: 22rem; margin: 4rem auto; }
        main.login label { display: block; margin: .5rem 0; }
        main.login input { width: 100%; padding: .4rem; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
        th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td:last-child { overflow-wrap: anywhere; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.empty { color: var(--muted); font-style: italic; }
        time { white-space: nowrap; }
        code, .uid { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
        .banner { background: #fff5b1; border: 1px solid var(--warn); padding: .5rem 1rem; margin: 0; }
        .error { color: var(--bad); }
        .ok { color: #22863a; }
        .status-FAILED { color: var(--bad); font-weight: bold; }
        .status-HELD { color: var(--warn); font-weight: bold; }
        .cards { display: flex; gap: 1rem; flex-wrap: wrap; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; min-width: 9rem; }
        .card b { display: block; font-size: 1.5rem; }
        form.inline { display: inline; }
        .actions form.inline { display: inline-block; margin: 0 1rem .5rem 0; padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 6px; }
        form.filters { display: flex; gap: .5rem; flex-wrap: wrap; align-items: end; }
        button { padding: .25rem .75rem; cursor: pointer; }
        button.danger { color: var(--bad); }
        svg.chart { width: 100%; max-width: 720px; height: auto; font-size: 10px; }
        svg.chart line { stroke: var(--line); }
        svg.chart .received { fill: #6a9fd8; }
        svg.chart .deidentified { fill: #8bc48a; }
        svg.chart .delivered { fill: #e0a458; }
        """
}
