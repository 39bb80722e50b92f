/**
 * The test kit: what this project's own tests (and a user's) need to prove behaviour against real
 * parts — the Graph emulator over HTTPS, the SDK's dynamic-provider gRPC server, the Pulumi engine —
 * and to assert what Graph saw.
 *
 * @module pulumi-entra-invitation/testing
 */
export { startEmulator } from "../emulator";
export type { RunningEmulator, EmulatorOptions, RequestLogEntry, EmulatedUser, SeedUser } from "../emulator";
export { ProviderServer, invitationUrn } from "./provider-server";
export { TestStack } from "./stack";
export type { RunResult, StepEvent, DiagnosticEvent, StateResource, TestStackOptions, RunOptions } from "./stack";
export { runPulumi, readEventLog, operationArgs } from "./pulumi-cli";
export type { PulumiRunOptions, PulumiOp } from "./pulumi-cli";
export { acceptedGuest, adminGraphClient, adminInvite, providerConfig, providerEnv } from "./graph-admin";
export type { GraphTarget } from "./graph-admin";
export { graphWrites, requestsTo, describeRequests } from "./requests";
export { serializedInvitationProvider } from "./serialized";
