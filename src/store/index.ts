/** The public API of src/store: what other folders import. Everything else here is internal. */
export { LuaScript, loadLua } from './lua.js';
export { type NotebookOrigin, type NotebookRecord, NotebookStore } from './notebooks.js';
export { createSlotCron, type SlotCron } from './slot-cron.js';
