// `faxgate doctor`: prints each check's line; exit 0 only when nothing failed.

import { type CliContext, exitCodes } from './context.ts';
import { type DoctorOptions, renderCheck, runDoctorChecks } from './doctor.ts';

export async function runDoctor(
  context: CliContext,
  values: { json?: boolean },
  options: DoctorOptions,
): Promise<number> {
  const { io } = context;
  return context.withTarget(async (target) => {
    const results = await runDoctorChecks(target, options);
    if (values.json) io.out(JSON.stringify(results, null, 2));
    else for (const result of results) io.out(renderCheck(result));
    const failed = results.filter((r) => r.status === 'fail').length;
    const warned = results.filter((r) => r.status === 'warn').length;
    if (!values.json) {
      io.out(
        failed > 0
          ? `${failed} of ${results.length} checks failed${warned ? `, ${warned} warned` : ''}.`
          : `All ${results.length} checks passed${warned ? ` (${warned} with a warning)` : ''}.`,
      );
    }
    return failed > 0 ? exitCodes.notDone : exitCodes.ok;
  });
}
