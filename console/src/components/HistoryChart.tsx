// One attribute's numeric history as a line chart (uPlot, canvas: thousands of points stay fast).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function HistoryChart(props: { label: string; points: { ts: number; value: number }[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const sorted = [...props.points].sort((a, b) => a.ts - b.ts);
    const data: uPlot.AlignedData = [sorted.map((p) => p.ts / 1000), sorted.map((p) => p.value)];
    const plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 260,
        series: [
          {},
          {
            label: props.label,
            stroke: '#0c5b8a',
            width: 2,
            fill: 'rgba(12,91,138,0.08)',
            points: { show: sorted.length < 60 },
          },
        ],
        axes: [{}, { size: 60 }],
      },
      data,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(300, el.clientWidth), height: 260 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [props.label, props.points]);
  return <div class="chart" ref={box} id="history-chart" />;
}
