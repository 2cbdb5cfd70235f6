/** A uPlot line chart over time: one x axis (seconds), one or more named series. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
}

const COLOURS = ["#1f5fbf", "#b3261e", "#2e7d32", "#8e24aa", "#ef6c00", "#00838f", "#5d4037", "#455a64"];

export function TimeChart(props: {
  title: string;
  times: number[];
  series: Series[];
  unit?: string;
  /** The time range shown, in seconds: the whole range asked for, not only where points are. */
  span: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            points: { show: props.times.length < 3 },
          })),
        ],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}${props.unit ?? ""}`) }],
        scales: {
          x: { time: true, range: () => props.span },
          // Counts, rates and latencies start at zero.
          y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
        },
      },
      [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [props.times, props.series, props.unit, props.span]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      {props.times.length === 0 ? <p class="muted">No events in this range yet.</p> : <div ref={box} />}
    </figure>
  );
}

/** Time-series points (bucket_start, value, group) aligned on shared x values, one series per group. */
export function align(
  points: { bucket_start: string; value: number; group?: string }[],
  label = "value",
): { times: number[]; series: Series[] } {
  const times = [...new Set(points.map((p) => Date.parse(p.bucket_start) / 1000))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const groups = new Map<string, (number | null)[]>();
  for (const p of points) {
    const g = p.group ?? label;
    if (!groups.has(g))
      groups.set(
        g,
        times.map(() => null),
      );
    groups.get(g)![index.get(Date.parse(p.bucket_start) / 1000)!] = p.value;
  }
  return { times, series: [...groups].map(([l, values]) => ({ label: l, values })) };
}
