// A comment note on the canvas: free text in a coloured card. Double-click to write (the text
// is saved as it is typed, one undo step per burst of typing); drag its corner to resize it.
import { useRef, useState } from 'react';
import { observer } from 'mobx-react-lite';
import type { NodeProps } from '@xyflow/react';
import type { NoteFlowNode } from '../store/annotation-view';
import { NOTE_COLOUR, NOTE_SIZE } from '../store/annotation-ops';
import { cx, useApp } from './ui';

export const CommentNote = observer(function CommentNote({ data, selected }: NodeProps<NoteFlowNode>) {
  const app = useApp();
  const c = app.graph.doc.comments?.find((x) => x.id === data.commentId);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const drag = useRef<{ x: number; y: number; w: number; h: number } | null>(null);
  if (!c) return null;
  const editing = app.ui.editingNote === c.id;
  const w = size?.width ?? c.width ?? NOTE_SIZE.width;
  const h = size?.height ?? c.height ?? NOTE_SIZE.height;
  return (
    <div
      className={cx('sg-note', selected && 'is-selected', editing && 'is-editing')}
      style={{ '--note': c.color ?? NOTE_COLOUR, width: w, height: h } as React.CSSProperties}
      onDoubleClick={() => app.ui.setEditingNote(c.id)}
      data-testid="note"
      data-note={c.id}
    >
      {editing ? (
        <textarea
          className="sg-note-edit nodrag nowheel"
          autoFocus
          value={c.text}
          placeholder="Write a note…"
          onChange={(e) => app.perform('setComment', { id: c.id, patch: { text: e.target.value } })}
          onBlur={() => app.ui.setEditingNote(null)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') (e.target as HTMLTextAreaElement).blur();
          }}
          aria-label="Comment text"
          data-testid="note-input"
        />
      ) : (
        <div className={cx('sg-note-text', !c.text && 'is-empty')} title="Double-click to edit">
          {c.text || 'Double-click to write a note'}
        </div>
      )}
      <div
        className="sg-note-resize nodrag"
        aria-hidden="true"
        onPointerDown={(e) => {
          e.stopPropagation();
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, w, h };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const zoom = app.flow?.getViewport().zoom ?? 1;
          setSize({ width: Math.max(80, Math.round(d.w + (e.clientX - d.x) / zoom)), height: Math.max(40, Math.round(d.h + (e.clientY - d.y) / zoom)) });
        }}
        onPointerUp={() => {
          drag.current = null;
          if (size) app.perform('setComment', { id: c.id, patch: size });
          setSize(null);
        }}
      />
    </div>
  );
});
