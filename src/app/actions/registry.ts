// The registry: every action, in the order the help overlay lists them.
import type { Action } from './types';
import { matchKey } from './types';
import { EDIT_ACTIONS } from './edit-actions';
import { VIEW_ACTIONS } from './view-actions';
import { FILE_ACTIONS } from './file-actions';
import { ONNX_ACTIONS } from './onnx-actions';
import { PYTORCH_ACTIONS } from './pytorch-actions';
import { IMPORT_ACTIONS } from './import-actions';
import { ANNOTATION_ACTIONS } from './annotation-actions';

export const ACTIONS: Action<never>[] = [...FILE_ACTIONS, ...IMPORT_ACTIONS, ...ONNX_ACTIONS, ...PYTORCH_ACTIONS, ...EDIT_ACTIONS, ...ANNOTATION_ACTIONS, ...VIEW_ACTIONS];

const byName = new Map(ACTIONS.map((a) => [a.name, a]));

export function getAction(name: string): Action<never> | undefined {
  return byName.get(name);
}

/** The action a key event triggers, if any. */
export function actionForKey(e: KeyboardEvent): Action<never> | undefined {
  return ACTIONS.find((a) => a.keys?.some((k) => matchKey(k, e)));
}
