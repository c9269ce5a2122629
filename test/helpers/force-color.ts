/** Imported first by view tests that look at colours and attributes: chalk decides its level when it loads. */
process.env.FORCE_COLOR = '1';
