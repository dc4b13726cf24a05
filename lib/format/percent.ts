/** 0.856 → "86 %", with a decimal below 10 % so small usage does not read as zero. */
export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent > 0 && percent < 10) return `${Math.round(percent * 10) / 10} %`;
  return `${Math.round(percent)} %`;
}
