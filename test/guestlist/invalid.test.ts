import { INVALID_GUESTLIST_INPUTS, expectRejected } from "./invalid-inputs";

describe("guest lists rejected before any resource exists", () => {
  it("has at least 20 cases", () => expect(INVALID_GUESTLIST_INPUTS.length).toBeGreaterThanOrEqual(20));
  it.each(INVALID_GUESTLIST_INPUTS)("%s", (_name, input, expected) => {
    const error = expectRejected(input, expected);
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.message).toMatch(/nothing was sent to Microsoft Graph/);
  });
});
