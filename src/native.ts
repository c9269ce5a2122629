/** Loads the native addon once and hands it the JS error class it throws. */
import { createRequire } from 'node:module';
import type { Addon } from '../native/sixty.js';
import { BpfError, UserError } from './errors.js';
import { ADDON_PATH } from './paths.js';

export type { Addon, BpfObject, MapRead, ProgramInfo, RingTake, StructLayout } from '../native/sixty.js';

let addon: Addon | undefined;

export function loadAddon(): Addon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  let loaded: Addon;
  try {
    loaded = require(ADDON_PATH) as Addon;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new UserError(`the native addon is not built (${ADDON_PATH}): run npm start or npm run build`);
  }
  loaded.setErrorClass(BpfError);
  addon = loaded;
  return loaded;
}
