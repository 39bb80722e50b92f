/** @type {import('jest').Config} */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }];
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      // test/live runs only through `npm run test:live` (scripts/live.js), against a real tenant.
      testPathIgnorePatterns: ["<rootDir>/test/e2e/", "<rootDir>/test/reliability/", "<rootDir>/test/live/"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
    },
    {
      displayName: "reliability",
      testEnvironment: "node",
      transform: { "^.+\\.ts$": tsJest },
      testMatch: ["<rootDir>/test/reliability/**/*.test.ts"],
    },
  ],
  testTimeout: 60000,
};
