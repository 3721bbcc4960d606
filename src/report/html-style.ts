/** The report's stylesheet: system fonts only (no web font to fetch), light, printable. */
export const pageStyle = `
:root { --bad: #d62728; --warn: #e08e0b; --good: #2ca02c; --action: #1f77b4; --rollout: #8c8c8c; --ink: #1d2329; --mute: #5f6b76; --line: #dfe3e8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 16px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 24px; margin: 8px 0 0; }
h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub, .n { color: var(--mute); }
.n { font-size: 12px; }
#what p { font-size: 15px; max-width: 1000px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin-top: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .k { font-size: 12px; color: var(--mute); text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 20px; font-weight: 600; margin: 2px 0; overflow-wrap: anywhere; }
.card .n { font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 12px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; min-width: 0; }
figure.chart figcaption { font-weight: 600; font-size: 13px; }
.note { min-height: 1.4em; font-size: 12px; color: var(--mute); }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; color: var(--mute); }
.legend .mk::before { content: ""; display: inline-block; width: 2px; height: 12px; margin-right: 5px; vertical-align: -2px; }
.mk-bad::before { background: var(--bad); } .mk-warn::before { background: var(--warn); } .mk-action::before { background: var(--action); }
.mk-good::before { background: var(--good); } .mk-rollout::before { background: var(--rollout); }
.legend .band::before { content: ""; display: inline-block; width: 16px; height: 10px; margin-right: 5px; background: rgba(31,119,180,.18); }
.legend .pol::before { content: ""; display: inline-block; width: 16px; height: 3px; margin-right: 5px; vertical-align: 3px; background: var(--c); }
.picker select { font: inherit; max-width: 100%; }
.picker button { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #f6f8fa; border-radius: 4px; padding: 1px 6px; cursor: pointer; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.sortable th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
table.clusters td:not(:first-child), table.compare td { text-align: right; font-variant-numeric: tabular-nums; }
table.compare { width: auto; }
.timeline td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
.timeline details { display: inline; } .timeline summary { display: inline; cursor: pointer; color: var(--action); }
.ev { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; padding: 0 4px; border-radius: 3px; border-left: 3px solid var(--rollout); white-space: nowrap; }
.t-bad .ev { border-color: var(--bad); color: var(--bad); } .t-warn .ev { border-color: var(--warn); color: #9a5d00; }
.t-good .ev { border-color: var(--good); color: #1e7a1e; } .t-action .ev { border-color: var(--action); color: var(--action); }
.t-rollout .ev { color: var(--mute); }
details.policy { margin-top: 14px; } details.policy > summary { cursor: pointer; font-weight: 600; }
.endings { padding-left: 18px; }
footer { margin-top: 30px; font-size: 12px; color: var(--mute); }
@media print { .picker, .note { display: none; } }
`;
