/**
 * WhatsApp group JIDs. Today's groups are `120363…@g.us`; older ones are `<creator phone>-<seconds>@g.us`,
 * which is why a group JID is masked like a phone before it is logged.
 */
const GROUP_JID = /^\d{5,25}(?:-\d{5,15})?@g\.us$/;

export function isGroupJid(value: string): boolean {
  return GROUP_JID.test(value);
}

/** Only the last 4 digits of the group's id, as for phones: `***1234@g.us`. */
export function maskGroupJid(jid: string): string {
  const id = jid.replace(/@.*$/, '').replace(/\D/g, '');
  return `***${id.slice(-4)}@g.us`;
}
