-- Custom migration (issue: accounting). Every Interim-Update rewrites its session row; with free room on the page
-- the new version is a HOT update that touches no index (none of the session indexes covers a column an Interim
-- normally changes). At the default fillfactor of 100 most updates were not HOT and accounting throughput halved.
ALTER TABLE "sessions" SET (fillfactor = 60);
