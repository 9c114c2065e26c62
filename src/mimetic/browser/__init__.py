"""Browser proof: drive a loopback app in desktop and mobile Chromium (Playwright) and record the evidence."""
