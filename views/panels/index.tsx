/** Which component draws which panel; panels without one get the generic PanelView. */
import type { PanelState } from '../../src/store.js';
import { PanelView } from '../PanelView.js';
import { Softirqs } from './Softirqs.js';
import { Tcptop } from './Tcptop.js';

export interface PanelSlotProps {
  panel: PanelState;
  width: number;
  height: number;
  selected: number;
  elapsedNs: number;
}

export function PanelSlot({ elapsedNs, ...rest }: PanelSlotProps) {
  const props = { ...rest, waiting: elapsedNs === 0 };
  switch (props.panel.def.id) {
    case 'softirqs':
      return <Softirqs {...props} />;
    case 'tcptop':
      return <Tcptop {...props} />;
    default:
      return <PanelView {...props} />;
  }
}
