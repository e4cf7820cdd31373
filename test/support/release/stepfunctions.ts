/**
 * Step Functions' state machine aliases, as the real `@aws-sdk/client-sfn` speaks to them (AWS
 * JSON 1.0, `x-amz-target: AWSStepFunctions.<Operation>`): DescribeStateMachineAlias and
 * UpdateStateMachineAlias, with the rules AWS enforces on a routing (one or two versions of the
 * alias's own state machine, whole weights summing to 100). Every routing an alias had is kept
 * for assertions.
 *
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachineAlias.html
 */
import type { Handler } from '../../../local/http.ts';
import { AwsJsonProtocol, FieldReader, type JsonObject } from '../../../local/services/aws-json.ts';

/** One entry of an alias's routing. */
export interface Route {
  readonly stateMachineVersionArn: string;
  readonly weight: number;
}

const PROTOCOL = new AwsJsonProtocol({
  service: 'Step Functions',
  targetPrefix: 'AWSStepFunctions',
  version: '1.0',
  errorTypeHeader: true,
});

interface StandInMachine {
  readonly versions: Set<number>;
  readonly aliases: Map<string, { routing: Route[]; readonly created: number; updated: number }>;
}

export class StepFunctionsStandIn {
  readonly handler: Handler;
  /** Alias ARN -> every routing it was given, in order (the first is how it was created). */
  readonly history = new Map<string, Route[][]>();
  readonly #machines = new Map<string, StandInMachine>();
  readonly #now: () => number;

  constructor(options: { now: () => number }) {
    this.#now = options.now;
    this.handler = PROTOCOL.handler({
      operations: {
        DescribeStateMachineAlias: (input) => this.#describe(input),
        UpdateStateMachineAlias: (input) => this.#update(input),
      },
      notImplemented: ['StartExecution', 'PublishStateMachineVersion', 'CreateStateMachineAlias'],
    });
  }

  /** Declares the state machine `arn` with its published versions. */
  addStateMachine(arn: string, versions: readonly number[]): void {
    this.#machines.set(arn, { versions: new Set(versions), aliases: new Map() });
  }

  /** Creates or moves an alias (`<arn>:<name>`), as Pulumi or an operator would. */
  setAlias(aliasArn: string, routing: readonly Route[]): void {
    const { machine } = this.#machine(aliasArn);
    this.#check(machine, aliasArn, routing);
    const now = this.#now();
    const name = aliasArn.slice(aliasArn.lastIndexOf(':') + 1);
    const existing = machine.aliases.get(name);
    machine.aliases.set(name, {
      routing: [...routing],
      created: existing?.created ?? now,
      updated: now,
    });
    this.history.set(aliasArn, [...(this.history.get(aliasArn) ?? []), [...routing]]);
  }

  routing(aliasArn: string): readonly Route[] | undefined {
    const name = aliasArn.slice(aliasArn.lastIndexOf(':') + 1);
    return this.#machines.get(aliasArn.slice(0, aliasArn.lastIndexOf(':')))?.aliases.get(name)
      ?.routing;
  }

  #machine(aliasArn: string): { machine: StandInMachine; name: string } {
    if (!/^arn:aws:states:[^:]+:\d{12}:stateMachine:[^:]+:[A-Za-z_][\w-]*$/.test(aliasArn)) {
      throw PROTOCOL.error('InvalidArn', `Invalid Arn: '${aliasArn}'`);
    }
    const at = aliasArn.lastIndexOf(':');
    const machine = this.#machines.get(aliasArn.slice(0, at));
    if (machine === undefined) {
      throw PROTOCOL.error('ResourceNotFound', `Resource not found: '${aliasArn}'`);
    }
    return { machine, name: aliasArn.slice(at + 1) };
  }

  #check(machine: StandInMachine, aliasArn: string, routing: readonly Route[]): void {
    const stateMachine = aliasArn.slice(0, aliasArn.lastIndexOf(':'));
    if (routing.length < 1 || routing.length > 2) {
      throw PROTOCOL.error(
        'ValidationException',
        'Routing configuration must contain one or two state machine versions.',
      );
    }
    const versions = routing.map((route) => route.stateMachineVersionArn);
    if (new Set(versions).size !== versions.length) {
      throw PROTOCOL.error(
        'ValidationException',
        'Routing configuration contains duplicate versions.',
      );
    }
    if (
      routing.some(
        (route) => !Number.isInteger(route.weight) || route.weight < 0 || route.weight > 100,
      )
    ) {
      throw PROTOCOL.error('ValidationException', 'Weights must be whole numbers from 0 to 100.');
    }
    if (routing.reduce((sum, route) => sum + route.weight, 0) !== 100) {
      throw PROTOCOL.error('ValidationException', 'Routing configuration weights must sum to 100.');
    }
    for (const arn of versions) {
      const at = arn.lastIndexOf(':');
      if (arn.slice(0, at) !== stateMachine) {
        throw PROTOCOL.error(
          'ValidationException',
          `Version '${arn}' does not belong to the state machine of alias '${aliasArn}'.`,
        );
      }
      if (!machine.versions.has(Number(arn.slice(at + 1)))) {
        throw PROTOCOL.error('ResourceNotFound', `Resource not found: '${arn}'`);
      }
    }
  }

  #describe(input: JsonObject): JsonObject {
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const aliasArn = fields.requiredString('stateMachineAliasArn', { min: 1, max: 256 });
    const { machine, name } = this.#machine(aliasArn);
    const alias = machine.aliases.get(name);
    if (alias === undefined) {
      throw PROTOCOL.error('ResourceNotFound', `Resource not found: '${aliasArn}'`);
    }
    return {
      stateMachineAliasArn: aliasArn,
      name,
      description: '',
      routingConfiguration: alias.routing,
      creationDate: alias.created / 1000,
      updateDate: alias.updated / 1000,
    };
  }

  #update(input: JsonObject): JsonObject {
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const aliasArn = fields.requiredString('stateMachineAliasArn', { min: 1, max: 256 });
    const list = fields.list('routingConfiguration', { min: 1, max: 2 });
    const { machine, name } = this.#machine(aliasArn);
    if (!machine.aliases.has(name)) {
      throw PROTOCOL.error('ResourceNotFound', `Resource not found: '${aliasArn}'`);
    }
    if (list !== undefined) {
      const routing = list.map((entry) => {
        const item = new FieldReader(entry as JsonObject, (problem) =>
          PROTOCOL.validationError([problem]),
        );
        return {
          stateMachineVersionArn: item.requiredString('stateMachineVersionArn', {
            min: 1,
            max: 256,
          }),
          weight: item.requiredInteger('weight', { min: 0, max: 100 }),
        };
      });
      this.setAlias(aliasArn, routing);
    }
    return { updateDate: this.#now() / 1000 };
  }
}
