/**
 * What every part of the audit trail shares: it is a child of the `AuditTrail` component, and its
 * resources keep the Pulumi addresses they had before the trail was split into parts.
 *
 * Until the split every resource of the trail was a direct child of `AuditTrail`. A resource whose
 * parent changes gets a new URN, and Pulumi treats a URN it does not know as a new resource and the
 * old one as deleted: for the records bucket, COMPLIANCE-locked for years, that can only fail (its
 * name is taken and it cannot be emptied), and for the others it means a failed update or lost
 * state (dead letters waiting in the queue). An alias to the old parent makes `pulumi up` move each
 * resource in the state instead
 * (https://www.pulumi.com/docs/iac/concepts/options/aliases/). The parts therefore take the
 * trail's own name and derive their children's names from it exactly as the trail did, so the
 * alias needs the old parent only. `test/unit/infra/audit-trail-addresses.test.ts` checks every
 * address.
 */
import * as pulumi from '@pulumi/pulumi';

/** A part's options: its parent is the audit trail, which held its resources before the split. */
export interface AuditTrailPartOptions {
  readonly parent: pulumi.Resource;
}

/** A component of the audit trail whose children keep their pre-split addresses. */
export abstract class AuditTrailPart extends pulumi.ComponentResource {
  private readonly trail: pulumi.Resource;

  protected constructor(type: string, name: string, opts: AuditTrailPartOptions) {
    super(type, name, {}, { parent: opts.parent });
    this.trail = opts.parent;
  }

  /**
   * Options for a resource of this part: a child of the part, aliased to the same name under the
   * trail (where it was before the split). `options` may add ordering (`dependsOn`).
   */
  childOptions(
    options: { dependsOn?: pulumi.Input<pulumi.Resource>[] } = {},
  ): pulumi.CustomResourceOptions {
    return { ...options, parent: this, aliases: [this.formerAddress()] };
  }

  /**
   * The alias of a resource that was a direct child of the trail: under the same name, or under
   * `name` for one whose name changed (a resource now created by a shared component).
   */
  protected formerAddress(name?: string): pulumi.Alias {
    return name === undefined ? { parent: this.trail } : { name, parent: this.trail };
  }
}
