/** The public API of src/messages: what other folders import. Everything else here is internal. */
export {
  APPROVAL_BLOCK_ID,
  APPROVE_ACTION_ID,
  approvalClickReply,
  approvalRequestBlocks,
  approvalWording,
  DENY_ACTION_ID,
  describeOperation,
} from './approvals.js';
export { type AuditLine, type RenderAuditOptions, renderAuditBlocks } from './audit.js';
export {
  buildFlavorOptions,
  buildImageOptions,
  type CatalogFlavor,
  type CatalogImage,
  LOADING_VALUE,
  loadingAnswer,
  pickDefaultImage,
} from './catalog-options.js';
export {
  adoptReply,
  buildWhoMessage,
  commandReply,
  linkReply,
  scheduleCommandReply,
  usageReply,
  verbReply,
  type WhoIamUser,
  type WhoInput,
} from './command-replies.js';
export {
  type BudgetOverageText,
  budgetReason,
  type CostQuote,
  currencyDigits,
  DIGEST_STOP_ACTION,
  type DigestInput,
  digestBlocks,
  formatHourly,
  formatHours,
  formatMoney,
  formatRunCost,
  type LongRunView,
  type Money,
  personLabel,
  quoteSentence,
  quoteText,
  runSoFarText,
  type UsageLineView,
  type UsageReportInput,
  type UsageSummaryView,
  usageReportBlocks,
} from './costs.js';
export {
  buildCreateModal,
  CREATE_ACTIONS,
  CREATE_BLOCKS,
  CREATE_CALLBACK_ID,
  CREATE_COST_BLOCK,
  type CreateCosts,
  type CreateDefaults,
  createCostSummary,
  STORAGE_CHOICES,
  VALUE_ACTION,
} from './create-modal.js';
export {
  codeSpan,
  escapeMrkdwn,
  type FormatDurationOptions,
  formatDuration,
  isSlackChannelId,
  isSlackGroupId,
  isSlackUserId,
  mention,
  mrkdwnToPlain,
  slackDate,
  truncate,
} from './format.js';
export { buildHelpMessage } from './help.js';
export {
  buildHomeView,
  HOME_ACTIONS,
  type HomeRefusals,
  type HomeVerb,
  homeVerbsFor,
  MAX_HOME_NOTEBOOKS,
} from './home.js';
export { type KnownBlock, mrkdwn, option } from './kit.js';
export {
  decodeLeaseActionValue,
  describeLeaseEnd,
  EXTEND_BUTTON_MS,
  LEASE_ACTION_IDS,
  type LeaseActionId,
  type LeaseActionValue,
  type LeaseMessage,
  type LeaseNoticeItem,
  leaseClickReply,
  leaseEndedDigest,
  leaseEndedMessage,
  leaseOutcomeText,
  leaseWarningDigest,
  leaseWarningMessage,
  withLeaseOutcome,
} from './lease-blocks.js';
export { errorMessage } from './message.js';
export { decodeMetadata, type ModalMetadata } from './metadata.js';
export { buildListMessage, buildStatusMessage, STATUS_OPEN_ACTION } from './notebook-blocks.js';
export { type NotebookSummary, summarize } from './notebook-summary.js';
export { buildNoticeModal } from './notice-modal.js';
export {
  OPEN_JUPYTERLAB_ACTION_ID,
  type OperationPhase,
  type OperationStatus,
  operationNotebookName,
  queuedOperationStatus,
  type RenderedMessage,
  renderOperationStatus,
  renderReadyReply,
  renderSlowReply,
  safeNotebookUrl,
  stepsFromActionProgress,
} from './operation-status.js';
export { decodePick, encodePick, type PickValue } from './pick-value.js';
export { buildDeleteConfirmMessage, buildPickerMessage, PICK_ACTION_PATTERN, type PickTemplate } from './picker.js';
export {
  decodeSkipStopValue,
  encodeSkipStopValue,
  SCHEDULE_ACTION_IDS,
  type ScheduleView,
  type SkipStopValue,
  scheduleFormButton,
  scheduleHomeLine,
  scheduleNextLine,
  scheduleText,
  skipStopButton,
  withSkipButton,
} from './schedule-blocks.js';
export {
  buildScheduleModal,
  SCHEDULE_BLOCKS,
  SCHEDULE_CALLBACK_ID,
  type ScheduleModalInput,
} from './schedule-modal.js';
export { decodeSlackError, type SlackFailure, slackErrorCode } from './slack-errors.js';
export { buildStartModal, START_BLOCKS, START_CALLBACK_ID, type StartLookup } from './start-modal.js';
export { renderThreadRecord, type ThreadRecordInput } from './thread-record.js';
export { errorRef, rateLimitText, userMessageFor } from './user-error.js';
