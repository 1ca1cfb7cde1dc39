// stackledger/client: imports only the event schemas' types and nothing else of the server, so it ships
// alone and runs wherever `fetch` does (Node 20+, browsers).
export type { AppendOptions, AppendResult, EventInput } from "./append.js";
export {
  type Client,
  type ClientOptions,
  createClient,
  type DealFilters,
  type ViewOptions,
} from "./create-client.js";
export {
  AuthError,
  ConflictError,
  CursorGoneError,
  type FieldIssue,
  MalformedCursorError,
  NotFoundError,
  OutcomeUnknownError,
  PayloadTooLargeError,
  ServerError,
  StackledgerError,
  UnavailableError,
  UnknownReferenceError,
  UnsupportedMediaTypeError,
  ValidationError,
  WaitTimeoutError,
} from "./errors.js";
export { fileCheckpoint } from "./file-checkpoint.js";
export type { Checkpoint } from "./memory-checkpoint.js";
export { memoryCheckpoint } from "./memory-checkpoint.js";
export { OPERATIONS } from "./operations.js";
export type { Paged } from "./paginate.js";
export type { RebuildOptions } from "./rebuild.js";
export type {
  AppendResponse,
  CompanyLayers,
  CompanyView,
  Deal,
  DealResponse,
  DependencyEdge,
  FeedChange,
  Problem,
  ProjectionStatus,
  Ranking,
  StoredEvent,
  StreamResponse,
  TimelineResponse,
} from "./schemas.js";
export type { FeedItem, SubscribeOptions, Subscription } from "./subscribe.js";
