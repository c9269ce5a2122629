/** The interactive console: tabs of panels, the active panel's table, and the key line. */
import { Box, Text, useInput, useStdin } from 'ink';
import { useEffect, useReducer, useRef, useSyncExternalStore } from 'react';
import type { Frame } from '../src/store.js';
import { fit } from './cells.js';
import { Help } from './Help.js';
import { decodeKey, KEY_HINT, type Action, type KeyInfo } from './keys.js';
import { PanelSlot } from './panels/index.js';
import { initialUiState, reduce, selectedIndex, type SortSpec, type UiContext, type UiState } from './state.js';

export interface StoreLike {
  subscribe: (fn: () => void) => () => void;
  getSnapshot: () => Frame;
}

export interface AppProps {
  store: StoreLike;
  width: number;
  height: number;
  hostname: string;
  intervalS: number;
  onSort: (panelId: string, sort: SortSpec) => void;
  onQuit: () => void;
}

export const MIN_WIDTH = 60;
export const MIN_HEIGHT = 10;

/** Lines used by the header, tabs and key line around the panel. */
const CHROME_LINES = 3;

export function App({ store, width, height, hostname, intervalS, onSort, onQuit }: AppProps) {
  const live = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const frozen = useRef<Frame | null>(null);
  const [ui, dispatch] = useReducer(
    (s: UiState, a: { action: Action; ctx: UiContext }) => reduce(s, a.action, a.ctx),
    live.panels.map((p) => p.sort),
    initialUiState,
  );
  if (!ui.paused) frozen.current = null;
  else if (!frozen.current) frozen.current = live;
  const frame = frozen.current ?? live;
  const active = frame.panels[ui.active];
  const bodyHeight = Math.max(1, height - 1 - CHROME_LINES);

  // The reducer reads everything it needs from the action, never from this closure: fast typing loses no keys.
  const rowIds = active ? active.rows.map((r) => active.def.rowId(r) as string) : [];
  const ctxRef = useRef<UiContext>({ panelCount: 0, rowIds: [], pageRows: 1, columnKeys: [] });
  ctxRef.current = {
    panelCount: frame.panels.length,
    rowIds,
    pageRows: Math.max(1, bodyHeight - 3),
    columnKeys: active?.def.columns.map((c) => c.key) ?? [],
  };
  const { isRawModeSupported } = useStdin();
  useInput(
    (input: string, key: KeyInfo) => {
      const action = decodeKey(input, key);
      if (action) dispatch({ action, ctx: ctxRef.current });
    },
    { isActive: isRawModeSupported === true },
  );

  const sort = ui.sort[ui.active];
  const activeId = active?.def.id;
  useEffect(() => {
    if (activeId && sort) onSort(activeId, sort);
  }, [activeId, sort, onSort]);
  useEffect(() => {
    if (ui.quit) onQuit();
  }, [ui.quit, onQuit]);

  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    return <Text>{fit(`terminal too small: ${width}×${height}, sixty needs ${MIN_WIDTH}×${MIN_HEIGHT}`, width)}</Text>;
  }

  const clock = frame.time.toISOString().slice(11, 19);
  const title = `sixty  ${hostname}  ${clock}  interval ${intervalS}s${ui.paused ? '  [PAUSED]' : ''}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{fit(title, width)}</Text>
      <Box>
        {frame.panels.map((p, i) => (
          <Text key={p.def.id} inverse={i === ui.active} color={p.status === 'ok' ? undefined : 'yellow'}>
            {` ${i + 1} ${p.def.title} `}
          </Text>
        ))}
      </Box>
      <Box flexDirection="column" height={bodyHeight}>
        {ui.help ? (
          <Help panel={active} width={width} height={bodyHeight} />
        ) : active ? (
          <PanelSlot panel={active} width={width} height={bodyHeight} selected={selectedIndex(ui, ui.active, rowIds)} elapsedNs={frame.elapsedNs} />
        ) : (
          <Text>no panels</Text>
        )}
      </Box>
      <Text dimColor>{fit(KEY_HINT, width)}</Text>
    </Box>
  );
}
