#!/usr/bin/env node
// `npm run demo`: the guest-list stack at the repository root, end to end, on one machine, with the
// plain `pulumi` CLI as a person types it. Starts the Graph emulator, makes sure the Pulumi CLI and
// its Node.js language host are there, installs the packed package into stack/, runs `pulumi up` of
// the root stack with guests.yaml, shows the guests, lets one guest redeem and changes another out of
// band, shows the drift preview (`pulumi preview --refresh --diff`), applies it (`pulumi up
// --refresh`), and cleans up (`pulumi destroy`). What the CLI prints is shown as it prints it. Exits
// non-zero on any failure.
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const step = (msg) => process.stdout.write(`\n\x1b[1m==> ${msg}\x1b[0m\n`);
const fail = (msg) => {
  process.stderr.write(`\ndemo failed: ${msg}\n`);
  process.exit(1);
};

function runOrFail(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) fail(`'${cmd} ${args.join(" ")}' exited ${r.status}`);
}

async function main() {
  // Node reads NODE_EXTRA_CA_CERTS only at start: make the emulator's CA first, then re-run with it.
  if (!process.env.ENTRA_DEMO_CHILD) {
    step("Building the package");
    runOrFail(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-demo-ca-"));
    const ca = require(path.join(root, "dist/emulator/certs.js")).ensureCa(caDir);
    const r = spawnSync(process.execPath, [__filename], {
      stdio: "inherit",
      env: { ...process.env, ENTRA_DEMO_CHILD: "1", ENTRA_EMULATOR_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: ca.certPath },
    });
    fs.rmSync(caDir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }

  step(
    "Making sure the Pulumi CLI and its Node.js language host are there (scripts/ensure-pulumi.sh); installing the package into stack/ as a user has it (npm run stack:install)",
  );
  const { installPackage, preparePulumi } = require("./prepare-e2e.js");
  const env = { ...process.env, ...preparePulumi(root, process.env, { e2ePackage: false }) };
  installPackage(root, path.join(root, "stack"), { typescript: true });

  step("Starting the Microsoft Graph emulator");
  const { startEmulator } = require(path.join(root, "dist/emulator"));
  const { providerEnv, adminGraphClient } = require(path.join(root, "dist/testing"));
  const emu = await startEmulator({ latencyMs: 20 });
  console.log(`   Graph ${emu.graphUrl}  tenant ${emu.tenantId}`);

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-demo-state-"));
  Object.assign(env, providerEnv(emu), {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "demo-passphrase",
    PULUMI_HOME: path.join(stateDir, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
  });
  // Asynchronous on purpose: the emulator answers from this process's event loop. The CLI writes
  // to this terminal directly, as when a person types the command.
  const cli = (args, { quiet = false } = {}) =>
    new Promise((resolve) => {
      if (!quiet) process.stdout.write(`\n   $ pulumi ${args.join(" ")}\n`);
      const child = spawn("pulumi", args, {
        cwd: root,
        env,
        stdio: ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"],
      });
      let out = "";
      if (quiet) child.stdout.on("data", (d) => (out += d));
      if (quiet) child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code) =>
        code === 0 ? resolve(out) : fail(`'pulumi ${args.join(" ")}' exited ${code}${quiet ? `: ${out}` : ""}`),
      );
    });
  const outputs = async () => ({
    guests: { value: JSON.parse(await cli(["stack", "output", "guests", "--json"], { quiet: true })) },
  });
  const table = (outputs) => {
    const guests = outputs.guests.value;
    const users = new Map(emu.users().map((u) => [u.id, u]));
    const rows = Object.entries(guests).map(([key, g]) => [
      key,
      users.get(g.userId)?.mail ?? "?",
      g.userId,
      g.externalUserState,
    ]);
    const widths = [0, 1, 2, 3].map((i) =>
      Math.max(...[["guest", "email", "user id", "state"][i].length, ...rows.map((r) => String(r[i]).length)]),
    );
    const line = (r) => "   " + r.map((c, i) => String(c).padEnd(widths[i])).join("  ");
    console.log(line(["guest", "email", "user id", "state"]));
    for (const r of rows) console.log(line(r));
    return guests;
  };

  try {
    await cli(["stack", "init", "demo"], { quiet: true });
    step("pulumi up: inviting the guests of guests.yaml");
    await cli(["up", "--yes"]);
    const guests = table(await outputs());

    const keys = Object.keys(guests);
    const redeemed = keys[0];
    const renamed = keys[1];
    step(`The guest '${redeemed}' redeems the invitation; an admin renames '${renamed}' in the portal (out of band)`);
    emu.redeem(guests[redeemed].userId);
    await adminGraphClient(emu).api(`/users/${guests[renamed].userId}`).patch({ displayName: "Renamed In The Portal" });

    step("pulumi preview --refresh --diff: the drift preview a pipeline shows on a pull request");
    await cli(["preview", "--refresh", "--diff"]);

    step("pulumi up --refresh: setting the renamed guest back, reading the redemption");
    await cli(["up", "--refresh", "--yes"]);
    const fixed = table(await outputs());
    if (fixed[redeemed].externalUserState !== "Accepted") fail(`'${redeemed}' should be Accepted after the refresh`);
    const user = emu.users().find((u) => u.id === guests[renamed].userId);
    if (user?.displayName === "Renamed In The Portal") fail(`'${renamed}' should have its declared name back`);

    step("pulumi destroy: cleaning up");
    await cli(["destroy", "--yes"]);
    step("Done: the guest list was invited, drift was previewed and set right, and everything was cleaned up.");
  } finally {
    await emu.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(path.join(root, "Pulumi.demo.yaml"), { force: true }); // the demo stack's settings file
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
