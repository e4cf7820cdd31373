/**
 * How each resolver file is wired: its data source and the DynamoDB actions it may perform, or
 * the pipeline functions it runs. Pulumi derives the data sources' IAM policies from the actions
 * declared here, and the local stack refuses any request a resolver makes beyond them, so the
 * tests prove the policy is enough and no wider than needed.
 *
 * This file is configuration, not resolver code: it is never bundled for AppSync.
 */
import {
  executionsTable,
  notificationsTable,
  plansTable,
  type TableDefinition,
} from '#shared/tables.ts';

/** DynamoDB item actions as IAM names them (a transaction needs one per item operation). */
export type DynamoDbAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'BatchGetItem'
  | 'ConditionCheckItem';

export interface DynamoDbDataSource {
  readonly kind: 'dynamodb';
  readonly table: TableDefinition;
}

export interface LambdaDataSource {
  readonly kind: 'lambda';
  /** The function's file in `pipeline/`. */
  readonly functionName: string;
}

export const dataSources = {
  plans: { kind: 'dynamodb', table: plansTable },
  executions: { kind: 'dynamodb', table: executionsTable },
  notifications: { kind: 'dynamodb', table: notificationsTable },
  calendar: { kind: 'lambda', functionName: 'calendar' },
  // Codes need an HMAC and a CSPRNG, which APPSYNC_JS lacks, and the code message itself.
  contacts: { kind: 'lambda', functionName: 'contacts' },
  // Previews on a function of their own, so they never compete with skipNextRun for capacity.
  schedulePreview: { kind: 'lambda', functionName: 'schedule-preview' },
} as const satisfies Record<string, DynamoDbDataSource | LambdaDataSource>;

export type DataSourceName = keyof typeof dataSources;

/** A resolver or pipeline function that calls one data source. */
export interface DataSourceStep {
  readonly dataSource: DataSourceName;
  /**
   * Every DynamoDB action the step's requests need (none for a Lambda data source, whose role may
   * only invoke its function, nor for a step that always returns early and never calls its data
   * source). A conditional write also needs GetItem: when the condition fails AppSync reads the
   * current item to hand it to the response handler.
   */
  readonly actions: readonly DynamoDbAction[];
}

/** A resolver that runs pipeline functions (files in `pipeline/`) in order. */
export interface Pipeline {
  readonly pipeline: readonly FunctionName[];
}

export const functions = {
  loadPlan: { dataSource: 'plans', actions: ['GetItem'] },
  checkOpenRuns: { dataSource: 'executions', actions: ['Query'] },
  // Validation only: it returns early, so the plans data source it names is never called.
  checkSchedule: { dataSource: 'plans', actions: [] },
  createPlanItem: { dataSource: 'plans', actions: ['PutItem', 'UpdateItem'] },
  updatePlanItem: { dataSource: 'plans', actions: ['UpdateItem', 'GetItem'] },
  deletePlanItem: { dataSource: 'plans', actions: ['DeleteItem', 'UpdateItem'] },
  nextRunAfterSkip: { dataSource: 'calendar', actions: [] },
  skipNextRunItem: { dataSource: 'plans', actions: ['UpdateItem', 'GetItem'] },
  loadPreferences: { dataSource: 'notifications', actions: ['GetItem'] },
  // Validation only, like checkSchedule: it returns early and never calls its data source.
  checkPhoneCountry: { dataSource: 'notifications', actions: [] },
  savePreferencesItem: { dataSource: 'notifications', actions: ['PutItem', 'GetItem'] },
  issueContactCodes: { dataSource: 'contacts', actions: [] },
  verifyContactCode: { dataSource: 'contacts', actions: [] },
  resendContactCode: { dataSource: 'contacts', actions: [] },
} as const satisfies Record<string, DataSourceStep>;

export type FunctionName = keyof typeof functions;

/** Every resolver, keyed `<Type>.<field>` like its file name. */
export const resolvers: Readonly<Record<string, DataSourceStep | Pipeline>> = {
  'Query.plan': { dataSource: 'plans', actions: ['GetItem'] },
  'Query.plans': { dataSource: 'plans', actions: ['Query'] },
  'Query.executions': { dataSource: 'executions', actions: ['Query'] },
  'Query.holdings': { dataSource: 'executions', actions: ['Query'] },
  'Query.previewSchedule': { dataSource: 'schedulePreview', actions: [] },
  'Mutation.createPlan': { pipeline: ['checkSchedule', 'createPlanItem'] },
  'Mutation.updatePlan': {
    pipeline: ['loadPlan', 'checkOpenRuns', 'checkSchedule', 'updatePlanItem'],
  },
  'Mutation.pausePlan': { dataSource: 'plans', actions: ['UpdateItem', 'GetItem'] },
  'Mutation.resumePlan': { dataSource: 'plans', actions: ['UpdateItem', 'GetItem'] },
  'Mutation.deletePlan': { pipeline: ['loadPlan', 'deletePlanItem'] },
  'Mutation.skipNextRun': { pipeline: ['loadPlan', 'nextRunAfterSkip', 'skipNextRunItem'] },
  'Query.notificationPreferences': { dataSource: 'notifications', actions: ['GetItem'] },
  'Query.notifications': { dataSource: 'notifications', actions: ['Query'] },
  'Mutation.updateNotificationPreferences': {
    pipeline: ['loadPreferences', 'checkPhoneCountry', 'savePreferencesItem', 'issueContactCodes'],
  },
  'Mutation.verifyContact': { pipeline: ['verifyContactCode'] },
  'Mutation.resendVerification': { pipeline: ['resendContactCode'] },
};
