package dev.kj.rhino.v3rpc;

import dev.kj.rhino.api.etcdserverpb.RequestOp;
import dev.kj.rhino.api.etcdserverpb.TxnRequest;

/** What the gRPC layer needs to know about a request before the store (which validates it) sees it. */
final class RequestChecks {
    private RequestChecks() {}

    /** True when a txn cannot write whichever branch runs (etcd lets those through a NOSPACE alarm). */
    static boolean isReadOnly(TxnRequest request) {
        for (RequestOp op : request.getSuccessList()) {
            if (!isReadOnly(op)) {
                return false;
            }
        }
        for (RequestOp op : request.getFailureList()) {
            if (!isReadOnly(op)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isReadOnly(RequestOp op) {
        return switch (op.getRequestCase()) {
            case REQUEST_RANGE, REQUEST_NOT_SET -> true;
            case REQUEST_TXN -> isReadOnly(op.getRequestTxn());
            case REQUEST_PUT, REQUEST_DELETE_RANGE -> false;
        };
    }
}
