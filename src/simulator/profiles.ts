/**
 * TEST / DEMO ONLY. What each simulated instance shows of itself (name, about text, photo, privacy)
 * and the instance settings Evolution keeps for it (`/settings/set`), for tests to assert on.
 */

export interface SimPrivacy {
  readreceipts: string;
  profile: string;
  status: string;
  online: string;
  last: string;
  groupadd: string;
}

export interface SimSettings {
  rejectCall: boolean;
  msgCall: string;
  groupsIgnore: boolean;
  alwaysOnline: boolean;
  readMessages: boolean;
  readStatus: boolean;
  syncFullHistory: boolean;
}

export type SimPicture = { source: 'url'; url: string } | { source: 'base64'; bytes: number };

export interface SimProfile {
  name: string | null;
  about: string | null;
  picture: SimPicture | null;
  privacy: SimPrivacy | null;
  /** Every accepted profile call, in order (repeats included): a checklist step re-run shows here. */
  updates: Array<{ field: 'name' | 'about' | 'picture' | 'privacy'; at: number }>;
}

/** Evolution's settings for an instance created without any. */
export const DEFAULT_SIM_SETTINGS: Readonly<SimSettings> = {
  rejectCall: false,
  msgCall: '',
  groupsIgnore: false,
  alwaysOnline: false,
  readMessages: false,
  readStatus: false,
  syncFullHistory: false,
};

export class SimProfiles {
  private readonly profiles = new Map<string, SimProfile>();
  private readonly settingsByInstance = new Map<string, SimSettings>();

  profile(name: string): SimProfile {
    const found = this.profiles.get(name);
    if (found) return found;
    const fresh: SimProfile = { name: null, about: null, picture: null, privacy: null, updates: [] };
    this.profiles.set(name, fresh);
    return fresh;
  }

  setName(instance: string, name: string): void {
    this.update(instance, 'name', (p) => (p.name = name));
  }

  setAbout(instance: string, about: string): void {
    this.update(instance, 'about', (p) => (p.about = about));
  }

  setPicture(instance: string, picture: SimPicture): void {
    this.update(instance, 'picture', (p) => (p.picture = picture));
  }

  setPrivacy(instance: string, privacy: SimPrivacy): void {
    this.update(instance, 'privacy', (p) => (p.privacy = { ...privacy }));
  }

  settings(instance: string): SimSettings {
    return { ...(this.settingsByInstance.get(instance) ?? DEFAULT_SIM_SETTINGS) };
  }

  setSettings(instance: string, settings: SimSettings): void {
    this.settingsByInstance.set(instance, { ...settings });
  }

  /** A copy for tests. */
  snapshot(instance: string): SimProfile {
    const p = this.profile(instance);
    return { ...p, privacy: p.privacy ? { ...p.privacy } : null, updates: [...p.updates] };
  }

  private update(instance: string, field: SimProfile['updates'][number]['field'], apply: (p: SimProfile) => void): void {
    const p = this.profile(instance);
    apply(p);
    p.updates.push({ field, at: Date.now() });
  }
}
