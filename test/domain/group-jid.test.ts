import { isGroupJid, maskGroupJid } from '../../src/domain/group-jid';

describe('group JIDs', () => {
  it("tells today's and the older group JIDs from user JIDs, phones and junk", () => {
    expect(isGroupJid('120363012345678901@g.us')).toBe(true);
    expect(isGroupJid('5511990000001-1612345678@g.us')).toBe(true);
    for (const other of [
      '5511990000001@s.whatsapp.net',
      '5511990000001',
      'status@broadcast',
      '@g.us',
      'abc@g.us',
      '120363012345678901@g.us ',
    ]) {
      expect(isGroupJid(other)).toBe(false);
    }
  });

  it("masks a group JID like a phone, so an older group's creator number never shows", () => {
    expect(maskGroupJid('120363012345678901@g.us')).toBe('***8901@g.us');
    const masked = maskGroupJid('5511990000001-1612345678@g.us');
    expect(masked).toBe('***5678@g.us');
    expect(masked).not.toContain('5511990000001');
  });
});
