// JSON: exactly one document, the Report envelope as it is.
import type { Report } from '../model.js';

export const renderJson = (report: Report): string => `${JSON.stringify(report, null, 2)}\n`;
