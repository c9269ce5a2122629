/** The smallest terminal the console draws in (checked before the console's modules load). */
export const MIN_WIDTH = 60;
export const MIN_HEIGHT = 10;
