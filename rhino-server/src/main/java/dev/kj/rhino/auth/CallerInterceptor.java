package dev.kj.rhino.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** Puts each call's {@link Caller} into the gRPC context, where services read it. */
public final class CallerInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String token = headers.get(TOKEN);
        if (token == null) {
            token = headers.get(AUTHORIZATION);
        }
        String commonName = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (token == null && commonName == null) {
            return next.startCall(call, headers);
        }
        Context context = Context.current().withValue(Caller.KEY, new Caller(token, commonName));
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The subject CN of a verified client certificate (the last CN, as Go's pkix.Name keeps it). */
    static String commonName(SSLSession session) {
        if (session == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
