/** Loads the native addon once and hands it the JS error class it throws. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Addon } from '../native/sixty.js';
import { BpfError, UserError } from './errors.js';
import { ADDON_PATH } from './paths.js';

export type { Addon, BpfObject, MapRead, ProgramInfo, StructLayout } from '../native/sixty.js';

let addon: Addon | undefined;

export function loadAddon(): Addon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) throw new UserError(`the native addon is not built (${ADDON_PATH}): run npm start or npm run build`);
  const require = createRequire(import.meta.url);
  const loaded = require(ADDON_PATH) as Addon;
  loaded.setErrorClass(BpfError);
  addon = loaded;
  return loaded;
}
