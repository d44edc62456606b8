package dev.kj.rhino.mvcc;

/**
 * One request applied by the writer inside a group-commit transaction. If it throws, only its own
 * changes are rolled back and its caller gets the error; the rest of the batch commits.
 */
@FunctionalInterface
public interface WriteOp<R> {
    R apply(WriteContext ctx);
}
