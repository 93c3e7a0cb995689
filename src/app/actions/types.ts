// An action, as Excalidraw has them: one small entry with its name, the keys that trigger it,
// and a perform() that returns the new state and whether it enters history. Buttons, menus,
// the keyboard and the canvas all go through app.perform(name, value).
import type { GraphDoc } from '../../doc/schema';
import type { Selection } from '../store/history';
import type { AppState } from '../store/app-state';

export interface EditorState {
  doc: GraphDoc;
  selection: Selection;
}

export interface ActionResult {
  /** the new document (absent: unchanged) */
  doc?: GraphDoc;
  selection?: Selection;
  /** whether the change is one undo step */
  history: boolean;
  /** merge with the previous undo step when it has the same key and came moments ago */
  coalesce?: string;
  /** a document that was just opened: take its weights as they are */
  load?: boolean;
}

export type ActionGroup = 'File' | 'Edit' | 'Canvas' | 'View' | 'Run';

export interface Action<V = unknown> {
  name: string;
  label: string;
  group: ActionGroup;
  /** key combinations, e.g. "Mod+Z" (Mod is Ctrl, or ⌘ on a Mac), "Delete", "?" */
  keys?: string[];
  /** shown in the help overlay when the gesture is not a key (e.g. "double-click the canvas") */
  gesture?: string;
  /** false: the keys are ignored and buttons are disabled */
  enabled?(state: EditorState, app: AppState): boolean;
  perform(state: EditorState, app: AppState, value: V): ActionResult | null | Promise<ActionResult | null>;
}

/** Declares an action; the identity function keeps `value` typed inside perform. */
export function defineAction<V = undefined>(a: Action<V>): Action<V> {
  return a;
}

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** "Mod+Shift+Z" as this platform writes it. */
export function keyLabel(spec: string): string {
  return spec
    .split('+')
    .map((k) => (k === 'Mod' ? (IS_MAC ? '⌘' : 'Ctrl') : k === 'Shift' ? (IS_MAC ? '⇧' : 'Shift') : k === 'Alt' ? (IS_MAC ? '⌥' : 'Alt') : k.length === 1 ? k.toUpperCase() : k))
    .join(IS_MAC ? '' : '+');
}

/** Does the key event match a spec like "Mod+Shift+Z"? */
export function matchKey(spec: string, e: KeyboardEvent): boolean {
  const parts = spec.split('+');
  const key = parts[parts.length - 1];
  const want = new Set(parts.slice(0, -1));
  const mod = e.ctrlKey || e.metaKey;
  if (want.has('Mod') !== mod) return false;
  if (want.has('Alt') !== e.altKey) return false;
  const symbol = key.length === 1 && !/[a-z0-9]/i.test(key);
  if (!symbol && want.has('Shift') !== e.shiftKey) return false;
  if (key.length === 1) {
    if (symbol) return e.key === key;
    return e.key.toLowerCase() === key.toLowerCase() || e.code === (/\d/.test(key) ? `Digit${key}` : `Key${key.toUpperCase()}`);
  }
  return e.key === key;
}
