-- Each row's targets are fixed when it is written (the recipient's accounts, the channel maps, the forum
-- settings), so a process delivers only the targets it runs and a row is done when every one of them has
-- it. `origin`: the terminal process whose command wrote the row; only that terminal prints it.
-- Rows written before this (targets NULL) keep the old rule: the first process to claim one delivers it
-- through every target it runs.
ALTER TABLE "outbox" ADD COLUMN "targets" TEXT[];
ALTER TABLE "outbox" ADD COLUMN "origin" TEXT;
