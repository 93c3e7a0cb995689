// The width of an element, kept up to date with a ResizeObserver, so heatmaps fit the panel
// (and refit when the panel is widened or the window resized). A callback ref, because the
// element may appear later than the component (only once there is a trace to show).
import { useLayoutEffect, useState } from 'react';

export function useWidth<T extends HTMLElement>(fallback = 600): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth((old) => (old !== w ? w : old));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [setEl, width];
}
