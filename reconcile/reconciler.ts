/**
 * The reconciler (design.md "Nothing stays stuck"): a list of repair passes run one after the
 * other by a timer (functions/reconcileSubmissions.ts). Each pass looks only at what may need it
 * (the watch list of active submissions, the stale list), so a run costs what is in progress,
 * not the size of the marketplace. A pass that fails is logged and the next still runs; the next
 * run tries it again. Another part adds its own pass to the list (e.g. app-id claims).
 */

/** One thing a pass put right: logged as one line. */
export interface Repair {
  pass: string;
  offerId: string;
  what: string;
}

export interface PassContext {
  /** The workflow's clock (the local host's clock locally; the system clock in Azure). */
  now: Date;
  /** Real time: the local host's clock may have been moved forward, storage's clock was not. */
  realNow: Date;
  log(line: string): void;
}

export interface RepairPass {
  name: string;
  /** Resolves with what it repaired; throws when it could not finish (the next run retries). */
  run(context: PassContext): Promise<Repair[]>;
}

export interface ReconcileReport {
  repairs: Repair[];
  /** Passes that threw, with the reason (the run went on). */
  failed: { pass: string; reason: string }[];
}

export async function reconcile(passes: RepairPass[], context: PassContext): Promise<ReconcileReport> {
  const report: ReconcileReport = { repairs: [], failed: [] };
  for (const pass of passes) {
    try {
      const repairs = await pass.run(context);
      for (const r of repairs) context.log(`reconciler repaired (${r.pass}) '${r.offerId}': ${r.what}`);
      report.repairs.push(...repairs);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      context.log(`reconciler pass ${pass.name} failed (the next run retries it): ${reason}`);
      report.failed.push({ pass: pass.name, reason });
    }
  }
  return report;
}
