/** The interactive console: tabs of panels, the active panel's table, and the key line. */
import { Box, useStdin } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useSyncExternalStore } from 'react';
import type { AnyPanelSpec, Catalog, Row, SortSpec } from '../src/panels/types.js';
import type { Grouping } from '../src/panels/group.js';
import type { Frame, PanelFrame } from '../src/frame.js';
import { cellWidth, wrap } from './cells.js';
import { Detail } from './Detail.js';
import { SortMenu } from './SortMenu.js';
import { Help } from './Help.js';
import { hostLines } from './header.js';
import { Line, noColor } from './Line.js';
import { firstDescending } from './layout.js';
import { InputDecoder } from './input.js';
import { KEY_HINT, type Command } from './keys.js';
import { PanelView } from './PanelView.js';
import { FlameView } from './Flame.js';
import { columnOf, TIMELINE_LABEL, timelineColumns, TimelineView, type TimelineColumns } from './Timeline.js';
import type { VerdictTimeline } from '../src/timeline.js';
import { buildFlame, type FlameNode } from './flame.js';
import { selfCost, type Part } from './text.js';
import { MIN_HEIGHT, MIN_WIDTH } from './size.js';
import { initialUiState, panelUi, promptText, reduceInput, selectedIndex, type PanelUi, type UiContext, type UiState } from './state.js';
import type { KeyEvent } from './input.js';

/** The filter as a case-insensitive regular expression; text that is not one is matched literally. */
export function filterRegex(text: string): RegExp {
  return filterOf(text).re;
}

/** The filter, and whether it is a regular expression (text that is not one, such as "([", is matched as it is). */
export function filterOf(text: string): { re: RegExp; literal: boolean } {
  try {
    return { re: new RegExp(text, 'i'), literal: false };
  } catch {
    return { re: new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), literal: true };
  }
}

/** The key line for what is on screen: the table's keys, or those of the help, the detail view or the sort list. */
export function keyHint(ui: Pick<UiState, 'help' | 'detail' | 'sortMenu'>, replay = false, events?: string, flame?: boolean): string {
  if (ui.sortMenu !== null) return '↑↓ choose  Enter sort by it  Esc q close';
  if (flame && !ui.help && !ui.detail) return '↑↓←→ frame  Enter zoom  Esc out  f table  v functions  / filter  e export  ? help  q quit';
  if (ui.help) return '↑↓ PgUp PgDn End scroll  Esc q close  C-c quit';
  if (ui.detail) return '↑↓ PgUp PgDn scroll  e export  Esc q back to the table  C-c quit';
  // An event panel's key line says how to switch views, where the sort's is (< > still sort).
  const hint = replay ? REPLAY_HINT : KEY_HINT;
  return events ? hint.replace('<> sort', `v ${events}`) : hint;
}

/** A replay's key line: how to move through it first. */
const REPLAY_HINT = 'p play  + - speed  [ ] { } step  L timeline  Tab panel  Enter explain  ? help  q quit';

/** The key line while a replay's page of what changed is open. */
const PAGE_HINT = '↑↓ PgUp PgDn End scroll  Esc D q close  C-c quit';

/** The key line while a replay's timeline is open. */
const TIMELINE_HINT = '←→ move  PgUp PgDn Home End  Enter go there  p play  Esc L close  q quit';

/** The line that says the rows are grouped, and what `t` does next. */
export function groupInfo(name: string, groups: number, rows: number, next: string | undefined): string {
  return `grouped by ${name}: ${groups} ${groups === 1 ? 'group' : 'groups'} of ${rows} ${rows === 1 ? 'row' : 'rows'} (t: ${next ? `by ${next}` : 'single rows'})`;
}

export interface StoreLike {
  subscribe: (fn: () => void) => () => void;
  getSnapshot: () => Frame;
}

export interface AppProps {
  store: StoreLike;
  catalog: Catalog;
  width: number;
  height: number;
  hostname: string;
  /** the kernel release, for the title line */
  kernel?: string;
  intervalS: number;
  /** false when stdin is not a terminal: no keys can arrive, and the key line says so */
  keysAvailable?: boolean;
  onQuit: () => void;
  /** the panel on screen changed (panels attached only while on screen attach and detach on it) */
  onShow?: (id: string | null) => void;
  /** `+` `-` (interval), `e` (export), `R` (record), `[` `]` `{` `}` (replay): acted on by the host */
  onCommand?: (cmd: Command, shown: Frame) => void;
  /** what the title says beside the clock: REPLAY and the position, or that a recording runs */
  badge?: () => string | undefined;
  /** a message for the user (a snapshot written, a write that failed) */
  notice?: { text: string; error: boolean } | null;
  /** a replay: p plays it, and the title's CPU and RSS are those recorded (said so) */
  replay?: boolean;
  /** a replay of a recording: its verdicts over time (decoded when L first opens it) and the frame on screen */
  timeline?: { data: () => VerdictTimeline | null; position: () => number };
  /** a page the host made (a replay's D: what changed), shown while the state has it open */
  page?: readonly string[] | null;
}

export { MIN_HEIGHT, MIN_WIDTH };

/** The home screen's panel id (the 60-second checklist), when the catalog has it. */

/** Lines used by the header, tabs and key line around the panel. */
const CHROME_LINES = 3;

const NO_SORT = { key: '', descending: true };

/** What the active panel's table shows in this state: its spec (grouped or not), sort, rows, and the filtered rows. */
interface TableView {
  livePanel: PanelFrame | undefined;
  baseSpec: AnyPanelSpec | undefined;
  spec: AnyPanelSpec | undefined;
  panel: PanelFrame | undefined;
  pui: PanelUi;
  grouping: Grouping<Row> | undefined;
  sort: SortSpec;
  rows: readonly Row[];
  shownRows: readonly Row[];
  /** the panel has a recent-events view (v), or a second table (a stack panel's functions) */
  hasEvents: boolean;
  /** the flame graph is on screen (f): the stack rows shown are what it draws */
  flame: boolean;
}

/** Pure: the table of the active panel of `ui` on `frame`. The render and the key reducer's context both use it. */
function tableOf(catalog: Catalog, frame: Frame, ui: UiState): TableView {
  const framePanel = frame.panels.find((p) => p.id === ui.active);
  const panelSpec = framePanel ? catalog.spec(framePanel.id) : undefined;
  const pui = panelUi(ui, ui.active, panelSpec?.defaultSort ?? NO_SORT);
  // One process's rows (a stack panel opened from a process): before its functions are made from them.
  const pidPanel =
    pui.pid !== undefined && framePanel
      ? { ...framePanel, rows: framePanel.rows.filter((r) => (r as unknown as { pid?: unknown }).pid === pui.pid) }
      : framePanel;
  // v: an event panel's recent events, a table of their own (its spec, its rows); a stack panel's functions.
  const hasEvents = panelSpec?.events !== undefined || panelSpec?.second !== undefined;
  const events = pui.events && hasEvents && panelSpec && pidPanel ? catalog.eventsView(panelSpec, pidPanel) : undefined;
  const livePanel = events?.panel ?? pidPanel;
  const baseSpec = events?.spec ?? panelSpec;
  const flame = pui.flame !== undefined && panelSpec?.flame !== undefined && !events;
  // `t` / F5: one row per group, and a spec for the grouped table (its columns, detail and default sort).
  const grouping = pui.group === undefined || events ? undefined : baseSpec?.groupings?.[pui.group];
  const { spec, panel } = livePanel && baseSpec && grouping ? catalog.groupView(baseSpec, livePanel, grouping) : { spec: baseSpec, panel: livePanel };
  // A sort on a column the grouped table leaves out falls back to its default.
  const sort = spec && !spec.columns.some((c) => c.key === pui.sort.key) ? spec.defaultSort : pui.sort;
  // The frame's rows come in the panel's default order: re-sorted only for another sort (or when grouped).
  let rows: readonly Row[] = [];
  let shownSpec = spec;
  if (panel && spec) {
    const d = spec.defaultSort;
    rows = !grouping && sort.key === d.key && sort.descending === d.descending ? panel.rows : catalog.sortRows(spec, panel.rows, sort);
    // T: the sorted rows as a tree (siblings keep the sort), drawn by the tree table's spec.
    if (pui.tree && !grouping && spec.tree) ({ spec: shownSpec, rows } = catalog.treeView(spec, rows));
  }
  // c: one cgroup's subtree (where the rows have cgroups).
  if (pui.cgroup !== undefined && baseSpec?.cgroupOf) {
    const under = pui.cgroup === '/' ? '' : pui.cgroup;
    rows = rows.filter((r) => {
      const c = baseSpec.cgroupOf!(r);
      return c !== null && (c === pui.cgroup || under === '' || c.startsWith(`${under}/`));
    });
  }
  // u: one user's rows.
  if (pui.user !== undefined && shownSpec?.columns.some((c) => c.key === 'user'))
    rows = rows.filter((r) => (r as unknown as { user?: unknown }).user === pui.user);
  // sixty's own rows (its pid: its /proc reads in filetop, its process), when S hides them.
  const selfPid = frame.self?.pid;
  if (ui.hideSelf && selfPid !== undefined) rows = rows.filter((r) => (r as unknown as { pid?: unknown }).pid !== selfPid);
  // The filter: a regular expression (case-insensitive) over each row's text as the table shows it; text that is not a
  // regular expression is taken literally.
  const filter = pui.filter ?? '';
  let shownRows = rows;
  if (filter && spec) {
    const re = filterRegex(filter);
    shownRows = rows.filter((r) => re.test(shownSpec!.columns.map((c) => c.format(c.value(r), r)).join(' ')));
  }
  return { livePanel, baseSpec, spec: shownSpec, panel, pui, grouping, sort, rows, shownRows, hasEvents, flame };
}

/** The flame graph's tree of the rows shown, for the panel on screen when it draws one. */
function flameOf(t: TableView): FlameNode | null | undefined {
  if (!t.baseSpec?.flame || t.grouping) return undefined;
  return t.flame ? buildFlameOf(t.baseSpec, t.shownRows) : null;
}

/** The tree of a stack panel's rows (its stacks under their process names), weighed as the panel says. */
function buildFlameOf(spec: AnyPanelSpec | undefined, rows: readonly Row[]): FlameNode {
  const weight = spec?.flame?.weight ?? (() => 0);
  return buildFlame(
    rows.map((r) => {
      // A replayed file's rows are whatever it holds: text, whatever they are.
      const s = r as unknown as { comm?: unknown; stack?: unknown; kinds?: unknown };
      return {
        comm: String(s.comm ?? ''),
        stack: Array.isArray(s.stack) ? s.stack.map(String) : [],
        kinds: String(s.kinds ?? ''),
        weight: Number(weight(r)) || 0,
      };
    }),
  );
}

/** The selected row's cgroup, where the panel's rows have one (a grouped row by cgroup too: its key is the cgroup). */
function cgroupOfRow(spec: AnyPanelSpec | undefined, grouped: boolean, row: Row | undefined): string | null {
  if (!spec?.cgroupOf || !row) return null;
  if (grouped) return typeof (row as unknown as { cgroup?: unknown }).cgroup === 'string' ? (row as unknown as { cgroup: string }).cgroup || null : null;
  return spec.cgroupOf(row);
}

/** Where Enter takes the selected row of a panel other than home (one whose rows lead to another panel). */
function drillOf(spec: AnyPanelSpec | undefined, grouped: boolean, row: Row | undefined, homeId: string | undefined): UiContext['drillHere'] {
  if (!spec?.drill || !row || grouped || spec.id === homeId) return null;
  const target = spec.drill(row)[0];
  if (target === undefined) return null;
  return { target, view: spec.drillView?.(row, target) ?? {} };
}

/** The stack panel (profile) the selected row leads to, where it leads to one that runs, and how it opens. */
function stacksOf(catalog: Catalog, frame: Frame, spec: AnyPanelSpec | undefined, grouped: boolean, row: Row | undefined): UiContext['stacksHere'] {
  if (!spec?.drill || !row || grouped) return null;
  const target = spec.drill(row).find((t) => catalog.spec(t)?.flame && frame.panels.some((p) => p.id === t));
  return target === undefined ? null : { target, view: spec.drillView?.(row, target) ?? {} };
}

/** The users of a panel's rows (those with a USER column), most rows first. */
function usersOf(spec: AnyPanelSpec | undefined, rows: readonly Row[]): string[] {
  if (!spec?.columns.some((c) => c.key === 'user')) return [];
  const n = new Map<string, number>();
  for (const r of rows) {
    const u = (r as unknown as { user?: unknown }).user;
    if (typeof u === 'string') n.set(u, (n.get(u) ?? 0) + 1);
  }
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([u]) => u);
}

/** The selected row's process, where the panel's rows are processes (not grouped): what F9 F7 F8 act on. */
function processOf(spec: AnyPanelSpec | undefined, grouped: boolean, row: Row | undefined): UiContext['selectedProcess'] {
  if (!spec?.signals || grouped || !row) return null;
  const r = row as unknown as Record<string, unknown>;
  if (typeof r.pid !== 'number' || typeof r.start_s !== 'number') return null;
  return { pid: r.pid, comm: String(r.comm ?? ''), nice: typeof r.nice === 'number' ? r.nice : 0, start: r.start_s, ended: r.exited === true };
}

export function App({
  store,
  catalog,
  width,
  height,
  hostname,
  kernel,
  intervalS,
  keysAvailable = true,
  onQuit,
  onShow,
  onCommand,
  badge,
  notice,
  replay = false,
  timeline,
  page,
}: AppProps) {
  const live = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const panelIds = useMemo(() => live.panels.map((p) => p.id), [live.panels]);
  // Each key is reduced with the context of the state it acts on (not of the last render): Tab then t in one read
  // groups the panel Tab went to.
  const [ui, dispatch] = useReducer(
    (s: UiState, a: { ev: KeyEvent; ctxOf: (s: UiState) => UiContext }) => reduceInput(s, a.ev, a.ctxOf(s)),
    panelIds,
    initialUiState,
  );
  // Frames never change once published, so holding one is all that pausing takes.
  const frozen = useRef<Frame | null>(null);
  if (!ui.paused) frozen.current = null;
  else frozen.current ??= live;
  const frame = frozen.current ?? live;

  const pui0 = ui.panels[ui.active];
  const { livePanel, baseSpec, spec, panel, pui, grouping, sort, rows, shownRows, hasEvents, flame } = useMemo(
    () => tableOf(catalog, frame, { ...ui, panels: pui0 ? { [ui.active]: pui0 } : {} }),
    // The table depends on the frame, the active panel and its own UI state only (not on help, pause or commands).
    [catalog, frame, ui.active, pui0, ui.hideSelf],
  );
  const filter = pui.filter ?? '';
  const second = catalog.spec(ui.active)?.second;
  const eventsHint = hasEvents ? (second ? (pui.events ? second.back : second.name) : pui.events ? 'counts' : 'events') : undefined;
  const tree = useMemo(() => (flame ? buildFlameOf(baseSpec, shownRows) : null), [flame, baseSpec, shownRows]);
  const rowIds = useMemo(() => shownRows.map((r) => r.id), [shownRows]);
  // The detail view follows one row by id. When that row leaves the table (a process ended, a connection closed), the
  // view keeps it, marked ended, with its last figures, rather than moving on to whatever row took its place.
  const selectedRow = shownRows[selectedIndex(pui, rowIds)];
  const followed = useRef<Row | null>(null);
  const detailId = pui.selectedId ?? selectedRow?.id ?? null;
  const liveRow = detailId === null ? undefined : shownRows.find((r) => r.id === detailId);
  if (!ui.detail) followed.current = null;
  else if (liveRow) followed.current = liveRow;
  else followed.current ??= selectedRow ?? null;
  const detailRow = ui.detail ? (liveRow ?? followed.current ?? undefined) : undefined;
  const detailEnded = ui.detail && liveRow === undefined && followed.current !== null;
  const host = hostLines(frame.host, width);
  const literal = filter !== '' && filterOf(filter).literal;
  const asText = literal ? ' (not a regular expression: matched as text)' : '';
  const filterLine =
    ui.editing || filter
      ? `filter /${filter}/${asText}${ui.editing ? '▏ (Enter keeps it, Esc clears it)' : ` ${shownRows.length} of ${rows.length} rows (/ edits, Esc clears)`}`
      : null;
  const groupLine =
    grouping && livePanel ? groupInfo(grouping.name, rows.length, livePanel.rows.length, baseSpec?.groupings?.[(pui.group ?? 0) + 1]?.name) : null;
  const userLine = pui.user !== undefined ? `user ${pui.user}: ${shownRows.length} rows (u: the next user, then all)` : null;
  const cgroupLine = pui.cgroup !== undefined ? `cgroup ${pui.cgroup} and below: ${shownRows.length} rows (c: every cgroup)` : null;
  const pidLine = pui.pid !== undefined ? `process ${pui.pid} only: ${shownRows.length} rows (Esc: every process)` : null;
  const selfLine = ui.hideSelf ? `sixty's own rows hidden (pid ${frame.self?.pid ?? '?'}; S shows them)` : null;
  const promptLine = ui.prompt ? promptText(ui.prompt) : null;
  const infoLines = [promptLine, groupLine, userLine, cgroupLine, pidLine, filterLine, selfLine].filter((l): l is string => l !== null);
  // A notice wraps: a path written or the reason a write failed is read whole.
  const noticeLines = notice ? wrap(notice.text, width, '  ') : [];
  const bodyHeight = Math.max(1, height - 1 - CHROME_LINES - host.length - infoLines.length - noticeLines.length);

  // A replay's timeline, while it is open: the columns the width gives, and the one of the frame on screen.
  const timelineOf = (open: boolean, w: number): { data: VerdictTimeline; cols: TimelineColumns; at: number } | null => {
    const data = open ? (timeline?.data() ?? null) : null;
    if (!data || !timeline) return null;
    const cols = timelineColumns(data, Math.max(1, w - TIMELINE_LABEL - 1));
    return { data, cols, at: columnOf(cols, timeline.position()) };
  };
  const shownTimeline = timelineOf(ui.timeline != null, width);

  // The reducer reads everything it needs from the action, never from this closure: fast typing loses no keys.
  const latest = useRef({ frame, live, pageRows: 1, width });
  latest.current = { frame, live, pageRows: Math.max(1, bodyHeight - 3), width };
  const ctxOf = useRef((s: UiState): UiContext => {
    const { frame: shown, live: now, pageRows, width: w } = latest.current;
    const tl = timeline ? timelineOf(s.timeline != null, w) : null;
    const f = s.paused ? shown : now;
    const t = tableOf(catalog, f, s);
    const homePanel = f.panels.find((p) => catalog.spec(p.id)?.role === 'start');
    const secondId = f.panels.find((p) => catalog.spec(p.id)?.role === 'second')?.id;
    const homeSpec = homePanel && catalog.spec(homePanel.id);
    // The selected row, found once for what the keys act on (its process, its cgroup, where Enter takes it).
    const rowIds = t.shownRows.map((r) => r.id);
    const selected = t.shownRows[selectedIndex(t.pui, rowIds)];
    return {
      panelIds: f.panels.map((p) => p.id),
      rowIds,
      pageRows,
      columnKeys: t.spec?.columns.map((c) => c.key) ?? [],
      columnDescending: t.spec?.columns.map((c) => firstDescending(c, t.spec!.defaultSort)) ?? [],
      defaultSort: t.spec?.defaultSort ?? NO_SORT,
      replay,
      // A recording has a timeline (L opens it; its columns are known once it is open).
      ...(timeline ? { timeline: tl ? { columns: tl.cols.columns, at: tl.at, jump: tl.cols.jump } : { columns: 0, at: 0, jump: [] } } : {}),
      groupings: t.baseSpec?.groupings?.length ?? 0,
      tree: t.baseSpec?.tree !== undefined,
      events: t.hasEvents,
      flame: flameOf(t),
      users: usersOf(t.baseSpec, t.panel?.rows ?? []),
      ...(secondId ? { secondId } : {}),
      selectedCgroup: cgroupOfRow(t.baseSpec, t.grouping !== undefined, selected),
      drillHere: drillOf(t.baseSpec, t.grouping !== undefined, selected, homePanel?.id),
      stacksHere: stacksOf(catalog, f, t.baseSpec, t.grouping !== undefined, selected),
      selectedProcess: processOf(t.baseSpec, t.grouping !== undefined && t.grouping !== null, selected),
      ...(homeSpec && homePanel
        ? {
            homeId: homePanel.id,
            homeSort: homeSpec.defaultSort,
            stepIds: homePanel.rows.map((r) => r.id),
            homeDrill: Object.fromEntries(homePanel.rows.map((r) => [r.id, homeSpec.drill?.(r) ?? []])),
            homeDrillView: Object.fromEntries(
              homePanel.rows.map((r) => [
                r.id,
                Object.fromEntries(
                  (homeSpec.drill?.(r) ?? []).flatMap((t: string) => {
                    const v = homeSpec.drillView?.(r, t);
                    return v ? [[t, v] as const] : [];
                  }),
                ),
              ]),
            ),
          }
        : {}),
    };
  });
  const commandRef = useRef(onCommand);
  commandRef.current = onCommand;
  // The frame on screen (held while paused): what `e` exports.
  const shownRef = useRef(frame);
  shownRef.current = frame;
  // Raw input, decoded here: every key in a read counts (Ink's useInput hands a run of typed keys over as one string,
  // and F-keys as empty ones).
  const { isRawModeSupported, setRawMode, internal_eventEmitter: input } = useStdin();
  useEffect(() => {
    if (isRawModeSupported !== true) return;
    setRawMode(true);
    const decoder = new InputDecoder();
    const onInput = (chunk: string): void => {
      for (const ev of decoder.decode(chunk)) dispatch({ ev, ctxOf: ctxOf.current });
    };
    input.on('input', onInput);
    return () => {
      input.removeListener('input', onInput);
      setRawMode(false);
    };
  }, [isRawModeSupported, setRawMode, input]);
  useEffect(() => {
    if (ui.quit) onQuit();
  }, [ui.quit, onQuit]);
  useEffect(() => {
    onShow?.(ui.active || null);
  }, [ui.active, onShow]);
  // Every command since the last one acted on, in order (`]]]` typed fast is three steps).
  const handled = useRef(0);
  useEffect(() => {
    for (const { seq, cmd } of ui.commands) {
      if (seq <= handled.current) continue;
      handled.current = seq;
      commandRef.current?.(cmd, shownRef.current);
    }
  }, [ui.commands]);

  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    return <Line text={`terminal too small: ${width}×${height}, sixty needs ${MIN_WIDTH}×${MIN_HEIGHT}`} width={width} />;
  }

  const clock = frame.time.slice(11, 19);
  // In a replay, sixty's own CPU and RSS are those of the sixty that recorded it: said so.
  const self = replay ? selfCost(frame, catalog).replace(/^ {2}sixty /, '  recorded: sixty ') : selfCost(frame, catalog);
  // Asked at each render: a recording's count moves with every frame, which renders anyway.
  const mark = badge?.();
  const rest = `${mark ? `  ${mark}` : ''}${ui.paused ? '  [PAUSED]' : ''}${self}`;
  // On a narrow terminal the kernel's version gives way first, then the word "interval": sixty's own cost stays.
  const shortest = `sixty  ${hostname}  ${clock}  ${intervalS}s${rest}`;
  const title =
    [
      `sixty  ${hostname}${kernel ? `  ${kernel}` : ''}  ${clock}  interval ${intervalS}s${rest}`,
      `sixty  ${hostname}  ${clock}  interval ${intervalS}s${rest}`,
    ].find((t) => cellWidth(t) <= width) ?? shortest;
  // The tabs: the active one in inverse video, one whose panel is not running yellow (underlined without colour).
  const tabs: Part[] = frame.panels.map((p) => ({
    text: ` ${catalog.spec(p.id)?.title ?? p.id} `,
    inverse: p.id === ui.active,
    ...(p.status === 'ok' || p.status === 'standby' ? {} : noColor() ? { underline: true } : { color: 'yellow' as const }),
  }));
  return (
    <Box flexDirection="column">
      <Line bold text={title} width={width} />
      {host.map((line, i) => (
        <Line key={`h${i}`} text={line} width={width} />
      ))}
      <Line text={tabs.map((t) => t.text).join('')} parts={tabs} width={width} />
      {infoLines.map((l, i) => (
        <Line key={`i${i}`} color={noColor() ? undefined : 'cyan'} text={l} width={width} />
      ))}
      <Box flexDirection="column" height={bodyHeight}>
        {ui.page && page ? (
          <Help spec={spec} panel={panel} width={width} height={bodyHeight} scroll={ui.scroll} lines={page} />
        ) : ui.timeline != null && shownTimeline ? (
          <TimelineView
            timeline={shownTimeline.data}
            cols={shownTimeline.cols}
            cursor={ui.timeline < 0 ? shownTimeline.at : Math.min(ui.timeline, shownTimeline.cols.columns - 1)}
            shownCol={shownTimeline.at}
            width={width}
            height={bodyHeight}
          />
        ) : ui.sortMenu !== null && spec ? (
          <SortMenu spec={spec} sort={sort} cursor={ui.sortMenu} width={width} height={bodyHeight} />
        ) : ui.help ? (
          <Help spec={spec} panel={panel} width={width} height={bodyHeight} scroll={ui.scroll} />
        ) : ui.detail && panel && spec && !flame ? (
          <Detail spec={spec} panel={panel} row={detailRow} ended={detailEnded} width={width} height={bodyHeight} scroll={ui.scroll} />
        ) : flame && panel && spec && tree && baseSpec?.flame ? (
          <FlameView spec={spec} panel={panel} tree={tree} flame={baseSpec.flame} view={pui.flame!} width={width} height={bodyHeight} />
        ) : panel && spec ? (
          <PanelView
            spec={spec}
            panel={panel}
            rows={shownRows}
            sort={sort}
            width={width}
            height={bodyHeight}
            selected={selectedIndex(pui, rowIds)}
            waiting={frame.elapsedNs === 0}
            elapsedNs={frame.elapsedNs}
            {...(filter ? { filter: { text: filter, hidden: rows.length - shownRows.length } } : {})}
          />
        ) : (
          <Line text="no panels" width={width} />
        )}
      </Box>
      {noticeLines.map((l, i) => (
        <Line key={`n${i}`} color={noColor() ? undefined : notice?.error ? 'red' : 'green'} text={l} width={width} />
      ))}
      <Line
        dimColor
        text={
          keysAvailable
            ? ui.page && page
              ? PAGE_HINT
              : ui.timeline != null && shownTimeline
                ? TIMELINE_HINT
                : keyHint(ui, replay, eventsHint, flame)
            : 'keys off: stdin is not a terminal (stop sixty with Ctrl-C or a signal)'
        }
        width={width}
      />
    </Box>
  );
}
