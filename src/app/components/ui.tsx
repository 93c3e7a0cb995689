// Small things every component uses: the app's state through React context, class names,
// and a few line icons (24×24, stroke = currentColor) drawn inline so nothing is fetched.
import { createContext, useContext, type SVGProps } from 'react';
import type { AppState } from '../store/app-state';
export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp() outside <AppContext.Provider>');
  return app;
}

/** Class names, skipping falsy ones. */
export function cx(...names: (string | false | null | undefined | 0)[]): string {
  return names.filter(Boolean).join(' ');
}

const PATHS = {
  new: 'M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9zM14 3v6h6M12 12v6M9 15h6',
  open: 'M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z',
  save: 'M12 3v12M7 10l5 5 5-5M5 21h14',
  gallery: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z',
  undo: 'M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3',
  redo: 'M15 14l5-5-5-5M20 9H9a5 5 0 0 0 0 10h3',
  layout: 'M3 6h5v4H3zM16 3h5v4h-5zM16 14h5v4h-5zM8 8h3a2 2 0 0 1 2 2v5a2 2 0 0 0 2 2h1M13 8v-1a2 2 0 0 1 2-2h1',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  play: 'M7 4l13 8-13 8z',
  sun: 'M12 4V2M12 22v-2M4 12H2M22 12h-2M5.6 5.6 4.2 4.2M19.8 19.8l-1.4-1.4M5.6 18.4l-1.4 1.4M19.8 4.2l-1.4 1.4M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z',
  moon: 'M21 13A9 9 0 1 1 11 3a7 7 0 0 0 10 10z',
  help: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM9.1 9a3 3 0 0 1 5.8 1c0 2-3 2.5-3 4.5M12 17.5h.01',
  close: 'M6 6l12 12M18 6L6 18',
  search: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5',
  onnx: 'M12 2l8 4.5v9L12 20l-8-4.5v-9zM12 11l8-4.5M12 11v9M12 11L4 6.5',
  check: 'M4 12l5 5L20 6',
  torch: 'M12 3l5 5a7 7 0 1 1-10 0l2.5-2.5M15 13a3 3 0 1 1-6 0M17 6h.01',
  fold: 'M15 6l-6 6 6 6M20 4v16',
  unfold: 'M9 6l6 6-6 6M4 4v16',
  plus: 'M12 5v14M5 12h14',
  group: 'M3 7V4h4M17 4h4v3M21 17v3h-4M7 20H3v-3M7 9h10v6H7z',
  note: 'M5 4h14v11l-5 5H5zM14 20v-5h5M8 9h8M8 12h5',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16, ...rest }: { name: IconName; size?: number } & SVGProps<SVGSVGElement>) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" {...rest}>
      <path d={PATHS[name]} />
    </svg>
  );
}
