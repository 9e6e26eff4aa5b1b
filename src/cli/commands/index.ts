/** Every `sealroom` subcommand, in the order `sealroom --help` lists them. */
import type { Command } from "../command.js";
import { inviteCommand } from "./invite.js";
import { migrateCommand } from "./migrate.js";
import { operatorCreateCommand } from "./operator-create.js";
import { startCommand } from "./start.js";
import { tenantCreateCommand, tenantListCommand } from "./tenant.js";
import { auditVerifyConsistency } from "./audit-verify-consistency.js";
import { auditVerifyInclusion } from "./audit-verify-inclusion.js";

export const commands: readonly Command[] = [
  startCommand,
  migrateCommand,
  operatorCreateCommand,
  tenantCreateCommand,
  tenantListCommand,
  inviteCommand,
  auditVerifyInclusion,
  auditVerifyConsistency,
];
