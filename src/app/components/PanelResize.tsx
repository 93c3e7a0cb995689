// The right panel's left edge: drag it (or focus it and press ← →) to make the panel wider or
// narrower; double-click puts it back to its default width. The width is remembered per mode
// (Params/Run, and the wide inspector), so the inspector keeps the room it was given.
import { useRef } from 'react';
import { observer } from 'mobx-react-lite';
import { useApp } from './ui';

export const PanelResize = observer(function PanelResize({ wide }: { wide: boolean }) {
  const { layout } = useApp();
  const drag = useRef<{ x: number; w: number } | null>(null);
  const width = layout.shown(wide);
  return (
    <div
      className="sg-panel-resize"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the panel (drag, or ← →)"
      aria-valuenow={width}
      aria-valuemin={280}
      aria-valuemax={layout.maxWidth()}
      tabIndex={0}
      title="Drag to resize the panel · double-click for its default width"
      data-testid="panel-resize"
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, w: width };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (d) layout.setWidth(wide, d.w + (d.x - e.clientX), false);
      }}
      onPointerUp={(e) => {
        if (!drag.current) return;
        drag.current = null;
        e.currentTarget.releasePointerCapture(e.pointerId);
        layout.setWidth(wide, layout.shown(wide));
      }}
      onDoubleClick={() => layout.setWidth(wide, wide ? Math.min(980, Math.max(340, 0.58 * window.innerWidth)) : 340)}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 64 : 16;
        if (e.key === 'ArrowLeft') (e.preventDefault(), layout.setWidth(wide, width + step));
        if (e.key === 'ArrowRight') (e.preventDefault(), layout.setWidth(wide, width - step));
      }}
    />
  );
});
