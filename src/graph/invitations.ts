/** Graph's invitation manager (`POST /invitations`, invitation-post). */
import { GraphResource } from "./call";
import type { InvitationRequest, InvitationResponse } from "./types";

export class InvitationsClient extends GraphResource {
  /** `POST /invitations`: invites, re-invites or (with resetRedemption) resets a guest. */
  async invite(body: InvitationRequest): Promise<InvitationResponse> {
    const res = await this.call<InvitationResponse>({
      method: "POST",
      path: "/invitations",
      body,
      lane: "invitations",
    });
    return res.body;
  }
}
