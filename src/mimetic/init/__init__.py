"""`mimetic init`: plan and apply the starter source plane, runtime dirs, .gitignore and scripts."""
