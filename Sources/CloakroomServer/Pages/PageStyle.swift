/// The pages' one stylesheet, served from `/assets/cloakroom.css` so the pages need no inline
/// style and the content security policy can stay `style-src 'self'`.
enum PageStyle {
    static let css = """
        :root { --ink: #1d2330; --muted: #5d6778; --line: #dfe3ea; --paper: #f6f7f9; --card: #ffffff;
          --accent: #3451b2; --accent-ink: #ffffff; --ok: #1f7a4d; --warn: #a15c00; --bad: #b42318; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          color: var(--ink); background: var(--paper); }
        header.bar { background: var(--ink); color: #fff; }
        header.bar .inner { max-width: 960px; margin: 0 auto; padding: 14px 24px; display: flex;
          align-items: center; gap: 24px; }
        header.bar a { color: #fff; text-decoration: none; }
        .brand { font-weight: 700; letter-spacing: .02em; font-size: 18px; }
        .brand span { opacity: .6; font-weight: 400; margin-left: 8px; font-size: 14px; }
        nav { margin-left: auto; display: flex; gap: 18px; font-size: 14px; }
        main { max-width: 960px; margin: 32px auto; padding: 0 24px; }
        h1 { font-size: 28px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 0 0 12px; }
        p.lead { color: var(--muted); margin: 0 0 24px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
          padding: 20px 24px; margin-bottom: 20px; }
        .narrow { max-width: 420px; }
        label { display: block; font-weight: 600; font-size: 14px; margin: 12px 0 4px; }
        input[type=text], input[type=password], input[type=search] { width: 100%; padding: 10px 12px;
          border: 1px solid var(--line); border-radius: 8px; font: inherit; }
        button { font: inherit; font-weight: 600; border-radius: 8px; padding: 9px 16px; cursor: pointer;
          border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); }
        button.quiet { background: transparent; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        .actions { display: flex; gap: 12px; margin-top: 16px; flex-wrap: wrap; }
        form.inline { display: inline; margin: 0; }
        table { width: 100%; border-collapse: collapse; font-size: 15px; }
        th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .06em;
          color: var(--muted); border-bottom: 1px solid var(--line); padding: 8px 10px; }
        td { border-bottom: 1px solid var(--line); padding: 12px 10px; vertical-align: middle; }
        tr:last-child td { border-bottom: 0; }
        .device { font-weight: 600; }
        .sub { color: var(--muted); font-size: 13px; }
        .badge { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 8px; border-radius: 999px;
          background: #e8edfb; color: var(--accent); margin-left: 8px; }
        .badge.ok { background: #e3f4ea; color: var(--ok); }
        .badge.warn { background: #fdf0dc; color: var(--warn); }
        .badge.bad { background: #fde7e5; color: var(--bad); }
        .notice { border-radius: 8px; padding: 10px 14px; margin-bottom: 16px; font-size: 15px; }
        .notice.error { background: #fde7e5; color: var(--bad); }
        .notice.info { background: #e8edfb; color: var(--accent); }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 16px;
          margin-bottom: 20px; }
        .tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; }
        .tile .label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
        .tile .value { font-size: 30px; font-weight: 700; margin-top: 4px; }
        .tile .value.small { font-size: 20px; }
        .links a { color: var(--accent); }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; }
        .chart-box { margin: 0; }
        .chart-box figcaption { display: flex; justify-content: space-between; align-items: baseline; }
        .chart-box .label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
        .chart-box .latest { font-weight: 700; }
        svg.chart { width: 100%; height: auto; display: block; }
        svg.chart .line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
        svg.chart .dot { fill: var(--accent); }
        svg.chart .grid { stroke: var(--line); stroke-width: 1; }
        svg.chart .axis { fill: var(--muted); font-size: 11px; }
        svg.chart#chart-errors .line { stroke: var(--bad); }
        svg.chart#chart-errors .dot { fill: var(--bad); }
        footer { max-width: 960px; margin: 0 auto 40px; padding: 0 24px; color: var(--muted); font-size: 13px; }
        code { background: #eef0f4; padding: 1px 6px; border-radius: 4px; font-size: 14px; }
        """
}
