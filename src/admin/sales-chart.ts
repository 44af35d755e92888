// Sales per day as a server-rendered SVG bar chart: no script, no external
// font; the numbers are also in a table beside it for screen readers.
import type { DailySales } from '../modules/reports/reports.service';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 16, right: 12, bottom: 28, left: 64 };

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function salesChartSvg(days: DailySales[]): string {
  const totals = days.map((d) => Number(d.total));
  const max = Math.max(1, ...totals);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const bars = days
    .map((day, i) => {
      const height = (Number(day.total) / max) * plotHeight;
      const x = PAD.left + i * slot + slot * 0.15;
      const y = PAD.top + plotHeight - height;
      return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}"><title>${escape(`${day.day}: ${day.total} (${day.orders} orders)`)}</title></rect>`;
    })
    .join('');
  const axis = [0, 0.5, 1]
    .map((f) => {
      const y = PAD.top + plotHeight - f * plotHeight;
      return `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}"/><text class="tick" x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${(max * f).toFixed(0)}</text>`;
    })
    .join('');
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  const labels = `<text class="tick" x="${PAD.left}" y="${HEIGHT - 8}">${escape(first)}</text><text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${escape(last)}</text>`;
  const total = totals.reduce((sum, t) => sum + t, 0).toFixed(2);
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="sales-title sales-desc" xmlns="http://www.w3.org/2000/svg"><title id="sales-title">Sales per day, last ${days.length} days</title><desc id="sales-desc">${escape(`From ${first} to ${last}: ${total} in all.`)}</desc>${axis}${bars}${labels}</svg>`;
}
