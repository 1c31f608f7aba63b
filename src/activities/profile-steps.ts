/**
 * The profile checklist's steps at the provider (Evolution's /chat/updateProfile*, /chat/updatePrivacySettings
 * and /settings/set): the steps due now that the database does not have as done are applied, each
 * outcome recorded in one call. A provider error fails its step only (the workflow tries it again
 * later); every call is idempotent, so a retried run repeats nothing harmful.
 */
import type { ProfileChecklistPort } from '../adapters/db/port';
import { type ProfilePhotos, createProfilePhotos } from '../adapters/media/profile-photos';
import type { Profile } from '../adapters/messaging/profile-port';
import type { ProfileRunResult, ProfileStep } from '../domain/profile-checklist';
import { PERSON_INSTANCE_SETTINGS, PERSON_PRIVACY_SETTINGS, profileAboutCandidates, profileNameCandidates } from '../domain/profile-texts';
import { maskPhone } from '../domain/phone';
import type { ActivityDeps, Logger } from './deps';
import type { ChipRef } from './types';

export interface ProfileStepsDeps {
  db: ProfileChecklistPort;
  profile: Profile;
  photos: ProfilePhotos;
  log?: Logger;
}

/** One line for the status and the database: the error's type and message, no stack. */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`.slice(0, 500);
}

export function createRunProfileSteps(deps: ProfileStepsDeps) {
  return async (input: { chip: ChipRef; steps: ProfileStep[]; atMs: number }): Promise<ProfileRunResult> => {
    const { chip } = input;
    const start = await deps.db.beginProfileSteps({
      chipId: chip.chipId,
      nameCandidates: input.steps.includes('name') ? profileNameCandidates(chip.chipId) : [],
      aboutCandidates: input.steps.includes('about') ? profileAboutCandidates(chip.chipId) : [],
    });
    const doneBefore = new Set(start.steps.filter((s) => s.doneAt !== null).map((s) => s.step));
    const apply: Record<ProfileStep, () => Promise<void>> = {
      settings: () => deps.profile.setInstanceSettings(chip.instanceName, { ...PERSON_INSTANCE_SETTINGS }),
      privacy: () => deps.profile.updatePrivacySettings(chip.instanceName, { ...PERSON_PRIVACY_SETTINGS }),
      name: () => deps.profile.updateProfileName(chip.instanceName, start.name ?? ''),
      about: () => deps.profile.updateProfileStatus(chip.instanceName, start.about ?? ''),
      photo: async () => deps.profile.updateProfilePicture(chip.instanceName, deps.photos.photoFor(start.fleetId, chip.chipId)),
    };
    const results: { step: ProfileStep; ok: boolean; error?: string }[] = [];
    for (const step of input.steps) {
      if (doneBefore.has(step)) continue; // done before (by an earlier run or by hand): not redone
      try {
        await apply[step]();
        results.push({ step, ok: true });
      } catch (err) {
        const error = describe(err);
        deps.log?.warn('profile step failed; the chip tries it again later', {
          chipId: chip.chipId,
          phone: maskPhone(chip.phone),
          step,
          error,
          stack: (err as Error)?.stack,
        });
        results.push({ step, ok: false, error });
      }
    }
    const steps =
      results.length === 0 ? start.steps : await deps.db.recordProfileSteps({ chipId: chip.chipId, results, at: new Date().toISOString() });
    return {
      done: steps.filter((s) => s.doneAt !== null).map((s) => s.step),
      failed: results.filter((r) => !r.ok).map((r) => ({ step: r.step, error: r.error ?? 'erro desconhecido' })),
    };
  };
}

/** The messaging adapter (the Evolution client) is the profile port too, unless the deps name one. */
function profilePortOf(deps: Pick<ActivityDeps, 'messaging' | 'profile'>): Profile | undefined {
  if (deps.profile) return deps.profile;
  const candidate = deps.messaging as Partial<Profile>;
  const methods = [
    'updateProfileName',
    'updateProfileStatus',
    'updateProfilePicture',
    'updatePrivacySettings',
    'setInstanceSettings',
  ] as const;
  return methods.every((m) => typeof candidate[m] === 'function') ? (deps.messaging as unknown as Profile) : undefined;
}

export function profileStepsFor(deps: ActivityDeps) {
  const profile = profilePortOf(deps);
  if (!profile) {
    return async (): Promise<ProfileRunResult> => {
      throw new Error('No profile provider is configured (the messaging adapter does not set profiles): the checklist waits for one.');
    };
  }
  return createRunProfileSteps({ db: deps.db, profile, photos: deps.profilePhotos ?? createProfilePhotos(), log: deps.log });
}
