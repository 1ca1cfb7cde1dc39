/**
 * Presence of one company from the direct holdings below it: what the full pass (`presenceFrom`, which
 * walks up from every holder) gives that company, computed by walking down its control subtree instead, so
 * that a change recomputes only the companies above it.
 */
import type { ControlAt } from "../control.js";
import {
  type Candidate,
  type CompanyPresence,
  type DirectSince,
  offerCandidate,
  presenceFromCandidates,
} from "../presence.js";

/**
 * The company's presence, or undefined when it holds and plans nothing. Paths combine links with AND
 * (all 100%), OR (an acquisition) and max (start of control), which do not depend on the order the links
 * are met in, so walking down gives what walking up gives.
 */
export function presenceOf(
  company: string,
  direct: ReadonlyMap<string, DirectSince>,
  planned: ReadonlyMap<string, readonly boolean[]>,
  control: ControlAt,
): CompanyPresence | undefined {
  const row: (Candidate | undefined)[] = [undefined, undefined, undefined, undefined];
  let offered = false;
  const visit = (entity: string, all100: boolean, anyAcquisition: boolean, linkSince: number): void => {
    const holding = direct.get(entity);
    if (holding !== undefined) {
      const top = entity === company;
      const rank = top ? 0 : all100 ? (anyAcquisition ? 1 : 2) : 3;
      const p = top || all100 ? 1 : 0.75;
      for (let i = 0; i < 4; i++) {
        const since = holding[i];
        if (since === undefined) continue;
        offered = true;
        offerCandidate(row, i, {
          p,
          rank,
          since: top ? since : Math.max(linkSince, since),
          via: top ? undefined : entity,
        });
      }
    }
    for (const child of control.children.get(entity) ?? []) {
      const link = control.parent.get(child);
      if (link === undefined) continue;
      visit(
        child,
        all100 && link.stake === 100,
        anyAcquisition || link.viaAcquisition,
        Math.max(linkSince, link.since),
      );
    }
  };
  visit(company, true, false, Number.NEGATIVE_INFINITY);
  const plannedRow = planned.get(company);
  if (!offered && plannedRow === undefined) return undefined;
  return presenceFromCandidates(row, plannedRow);
}

/** The controllers above a company (its parent, its parent's parent, …), cycles already broken. */
export function ancestorsOf(company: string, control: ControlAt, into: Set<string>): void {
  for (let link = control.parent.get(company); link !== undefined; link = control.parent.get(link.holder))
    into.add(link.holder);
}

/** A company and everything it controls, directly or not. */
export function subtreeOf(company: string, control: ControlAt, into: Set<string>): void {
  into.add(company);
  for (const child of control.children.get(company) ?? []) subtreeOf(child, control, into);
}
