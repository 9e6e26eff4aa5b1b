/** Every `sealroom` subcommand, in the order `sealroom --help` lists them. */
import type { Command } from "../command.js";
import { inviteCommand } from "./invite.js";
import { migrateCommand } from "./migrate.js";
import { operatorCreateCommand } from "./operator-create.js";
import { startCommand } from "./start.js";
import { tenantCreateCommand, tenantListCommand } from "./tenant.js";
import { tenantShredCommand } from "./tenant-shred.js";
import { importCommand } from "./import.js";
import { keysRotateCommand, keysRotateMasterCommand } from "./keys.js";
import { auditVerifyConsistency } from "./audit-verify-consistency.js";
import { auditVerifyInclusion } from "./audit-verify-inclusion.js";
import { auditHeads, auditSignHead } from "./audit-heads.js";
import { auditProveConsistency, auditProveInclusion } from "./audit-prove.js";
import { auditPublicKey } from "./audit-public-key.js";
import { auditVerify } from "./audit-verify.js";
import { exposureCommand } from "./exposure.js";
import { hoursCommands } from "./hours.js";
import { gatewayDeploymentRemoveCommand, gatewayDeploymentRotateKeyCommand } from "./gateway-deployment-manage.js";
import { projectCreateCommand, projectPauseCommands } from "./project.js";
import { agreementCommands } from "./agreement.js";
import { assistRunCommand } from "./assist.js";
import { gatewayDeploymentAddCommand, gatewayKeyCreateCommand, gatewayKeyRevokeCommand, gatewayUsageCommand } from "./gateway.js";

export const commands: readonly Command[] = [
  startCommand,
  migrateCommand,
  operatorCreateCommand,
  tenantCreateCommand,
  tenantListCommand,
  tenantShredCommand,
  projectCreateCommand,
  ...projectPauseCommands,
  importCommand,
  keysRotateCommand,
  keysRotateMasterCommand,
  inviteCommand,
  auditVerifyInclusion,
  auditVerifyConsistency,
  auditVerify,
  auditProveInclusion,
  auditProveConsistency,
  auditPublicKey,
  auditSignHead,
  auditHeads,
  exposureCommand,
  gatewayDeploymentAddCommand,
  gatewayDeploymentRemoveCommand,
  gatewayDeploymentRotateKeyCommand,
  gatewayKeyCreateCommand,
  gatewayKeyRevokeCommand,
  gatewayUsageCommand,
  ...hoursCommands,
  ...agreementCommands,
  assistRunCommand,
];
