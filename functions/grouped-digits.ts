// Counts in replies and refusals are written with thousands separators ("5,000"). Not through
// toLocaleString or Intl.NumberFormat: the first use in a process loads ICU's number formatting,
// ~7.7 MiB of memory, which a mail of 20,000 MIME parts made the inbound function pay at once
// (its refusal names the limit), half of the function's peak for that mail.

/** `count` (an integer) in digits, grouped by three with commas, as en-US writes it. */
export function groupedDigits(count: number): string {
  const digits = String(Math.trunc(Math.abs(count)));
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const piece = digits.slice(Math.max(0, end - 3), end);
    grouped = grouped ? `${piece},${grouped}` : piece;
  }
  return count < 0 && grouped !== '0' ? `-${grouped}` : grouped;
}
