/** A user's sponsors (`/users/{id}/sponsors`, user-list-sponsors, user-post-sponsors). */
import { GraphResource } from "./call";

export class SponsorsClient extends GraphResource {
  /** The object ids of a user's sponsors (lower case). */
  async sponsorIds(userId: string): Promise<string[]> {
    const res = await this.call<{ value: { id: string }[] }>({
      method: "GET",
      path: `/users/${encodeURIComponent(userId)}/sponsors?$select=id`,
      lane: "users",
    });
    return (res.body.value ?? []).map((s) => s.id.toLowerCase());
  }

  /** `POST /users/{id}/sponsors/$ref`: adds a user or group as a sponsor. */
  async addSponsor(userId: string, sponsorId: string, graphEndpoint: string): Promise<void> {
    const body = {
      "@odata.id": `${graphEndpoint.replace(/\/+$/, "")}/v1.0/directoryObjects/${encodeURIComponent(sponsorId)}`,
    };
    await this.call({
      method: "POST",
      path: `/users/${encodeURIComponent(userId)}/sponsors/$ref`,
      body,
      lane: "users",
    });
  }
}
