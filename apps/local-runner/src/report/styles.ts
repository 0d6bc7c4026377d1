// The reports' stylesheet (tearsheet and sweep report), inlined into the page: system fonts only,
// print-friendly, and a single-column layout below 1200 px.
import { EQUITY, GAIN, GRID_LINE, INK, INK_MUTED, LOSS } from "./charts/theme.js";

export const STYLES = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:${INK};font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
.report{max-width:1240px;margin:0 auto;padding:28px 24px 40px}
header{border-bottom:3px solid ${EQUITY};padding-bottom:16px;margin-bottom:20px}
header .eyebrow{margin:0;color:${INK_MUTED};font-size:12px;letter-spacing:.08em;text-transform:uppercase}
h1{margin:4px 0 6px;font-size:26px;font-weight:650;line-height:1.2;overflow-wrap:anywhere}
header dl{display:flex;flex-wrap:wrap;gap:6px 28px;margin:8px 0 0}
header dl div{display:flex;gap:8px;align-items:baseline}
header dt{color:${INK_MUTED};font-size:12px;text-transform:uppercase;letter-spacing:.05em}
header dd{margin:0;font-weight:600}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#e9ecef;border-radius:4px;padding:1px 5px}
.kpis{display:grid;grid-template-columns:repeat(6,minmax(0,1fr));gap:12px;margin:0 0 20px;padding:0;list-style:none}
.kpis li{background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;padding:12px 14px}
.kpis .label{display:block;color:${INK_MUTED};font-size:12px}
.kpis .value{display:block;font-size:20px;font-weight:650;margin-top:2px}
.kpis .note{display:block;color:${INK_MUTED};font-size:11.5px;line-height:1.35;margin-top:4px}
.kpis .note code{font-size:11px;padding:0 3px}
.pos{color:${GAIN}}.neg{color:${LOSS}}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:20px;align-items:start}
.charts{display:grid;gap:16px;min-width:0}
figure{margin:0;background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;padding:14px 16px 10px;min-width:0}
figcaption{margin:0 0 8px;font-size:13px;color:${INK_MUTED}}
figcaption strong{display:block;color:${INK};font-size:15px;font-weight:650}
figure svg{display:block;width:100%;height:auto;max-width:100%}
.empty{margin:24px 0;color:${INK_MUTED};text-align:center}
aside{display:grid;gap:16px}
table.kv{width:100%;border-collapse:collapse;background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;overflow:hidden}
table.kv caption{text-align:left;font-size:15px;font-weight:650;padding:0 0 8px}
table.kv th,table.kv td{padding:6px 14px;border-top:1px solid ${GRID_LINE};font-size:13px}
table.kv th{text-align:left;font-weight:400;color:${INK_MUTED}}
table.kv td{text-align:right;font-weight:600;white-space:nowrap}
table.kv tr.group th{background:#f8fafc;color:${INK};font-weight:650;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
table.kv tr.flag td{color:#b45309}
.notice{background:#fff;border:1px solid ${GRID_LINE};border-left:4px solid ${INK_MUTED};border-radius:8px;padding:14px 16px}
.notice p{margin:6px 0 0;color:${INK_MUTED}}
table.points{width:100%;border-collapse:collapse;background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;overflow:hidden}
table.points caption{text-align:left;font-size:15px;font-weight:650;padding:0 0 8px}
table.points th,table.points td{padding:6px 12px;border-top:1px solid ${GRID_LINE};font-size:13px;text-align:right;white-space:nowrap}
table.points thead th{background:#f8fafc;color:${INK_MUTED};font-weight:600;font-size:12px}
table.points th.key{color:${INK}}
table.points td:nth-child(2),table.points th:nth-child(2){text-align:left}
.table-scroll{overflow-x:auto;margin-top:20px}
table.points tr.group th{background:#f8fafc;color:${INK};text-align:left;font-weight:650;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
table.points tfoot th,table.points tfoot td{border-top:2px solid ${GRID_LINE};font-weight:650}
table.points tfoot th{text-align:left}
table.points.compact th,table.points.compact td{padding:5px 7px;font-size:12px}
table.points .key{font-weight:650}
#positions-by-reason{width:auto;min-width:60%}
#mc-deeper{width:auto;min-width:60%}
#positions-by-reason td:first-child,#positions-by-reason th:first-child{text-align:left}
#positions-by-reason td:nth-child(2),#positions-by-reason th:nth-child(2),#positions-extremes td:nth-child(2),#positions-extremes thead th:nth-child(2){text-align:right}
.positions,.section{margin-top:24px}
.positions h2,.section h2{margin:0 0 4px;font-size:18px;font-weight:650}
.positions .lede,.section .lede{margin:0;color:${INK_MUTED}}
.section .lede{margin-bottom:12px}
.section > figure,.section > .table-scroll{margin-top:12px}
.note-line{margin:0;color:${INK_MUTED};font-size:13px;background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;padding:8px 14px}
.section .note-line{margin-top:12px}
.charts .table-scroll,aside .table-scroll,.pair-grid .table-scroll{margin-top:0}
.price-grid,.pair-grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-top:12px}
table.points.ledger th,table.points.ledger td{text-align:right}
table.points.ledger td:first-child,table.points.ledger thead th:first-child,table.points.ledger tfoot th,table.points.ledger .text{text-align:left}
table.points tr.sub td{color:${INK_MUTED}}
table.points span.sub{color:${INK_MUTED}}
table.points tr.cash td{color:${INK_MUTED};background:#fafafa}
#wf-figures{width:auto;min-width:60%}
#sweep-notes{margin:0 0 20px}
aside table.points{font-size:12px}
#positions-all-block summary{font-weight:650}
#positions-all-block .table-scroll{margin-top:10px;max-height:640px;overflow:auto}
#positions-all thead th{position:sticky;top:0}
details ul{margin:10px 0 0;padding-left:20px}
details{margin-top:20px;background:#fff;border:1px solid ${GRID_LINE};border-radius:8px;padding:12px 16px}
details summary{cursor:pointer;font-weight:650}
details pre{margin:12px 0 0;overflow:auto;font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre}
footer{margin-top:24px;color:${INK_MUTED};font-size:12px}
@media (max-width:1200px){.layout,.price-grid,.pair-grid{grid-template-columns:minmax(0,1fr)}.kpis{grid-template-columns:repeat(3,minmax(0,1fr))}}
@media print{body{background:#fff}.report{padding:0}figure,table.kv,table.points,.kpis li,.notice{break-inside:avoid}#positions-all-block .table-scroll{max-height:none}}
`;
