package dev.kj.kubelet.cri;

import dev.kj.kubelet.cri.v1.AuthConfig;
import dev.kj.kubelet.cri.v1.FilesystemUsage;
import dev.kj.kubelet.cri.v1.Image;
import dev.kj.kubelet.cri.v1.ImageFilter;
import dev.kj.kubelet.cri.v1.ImageFsInfoRequest;
import dev.kj.kubelet.cri.v1.ImageServiceGrpc;
import dev.kj.kubelet.cri.v1.ImageSpec;
import dev.kj.kubelet.cri.v1.ImageStatusRequest;
import dev.kj.kubelet.cri.v1.ListImagesRequest;
import dev.kj.kubelet.cri.v1.PodSandboxConfig;
import dev.kj.kubelet.cri.v1.PullImageRequest;
import dev.kj.kubelet.cri.v1.RemoveImageRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The kubelet's view of a CRI ImageService. */
public final class ImageClient {
    private final ImageServiceGrpc.ImageServiceBlockingStub stub;
    private final Duration timeout;

    ImageClient(CriConnection connection, Duration timeout) {
        this.stub = ImageServiceGrpc.newBlockingStub(connection.channel());
        this.timeout = timeout;
    }

    private <R> R call(String operation, Function<ImageServiceGrpc.ImageServiceBlockingStub, R> rpc) {
        try {
            return rpc.apply(stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw new CriException(operation, e);
        }
    }

    public static ImageSpec spec(String image) {
        return ImageSpec.newBuilder().setImage(image).build();
    }

    public List<Image> list(ImageFilter filter) {
        return call("ListImages", s -> s.listImages(ListImagesRequest.newBuilder().setFilter(filter).build())).getImagesList();
    }

    /** The image if the runtime has it; a runtime answers an absent image with an empty status, not an error. */
    public Optional<Image> status(ImageSpec image) {
        var response = call("ImageStatus", s -> s.imageStatus(ImageStatusRequest.newBuilder().setImage(image).build()));
        return response.hasImage() ? Optional.of(response.getImage()) : Optional.empty();
    }

    /**
     * Pulls an image and returns its reference (an image id or digest). A pull has no deadline of its
     * own, as upstream's: large images take as long as they take; the kubelet cancels it with the pod.
     */
    public String pull(ImageSpec image, Optional<AuthConfig> auth, PodSandboxConfig sandboxConfig) {
        try {
            PullImageRequest.Builder request = PullImageRequest.newBuilder().setImage(image).setSandboxConfig(sandboxConfig);
            auth.ifPresent(request::setAuth);
            return stub.pullImage(request.build()).getImageRef();
        } catch (StatusRuntimeException e) {
            throw new CriException("PullImage", e);
        }
    }

    public void remove(ImageSpec image) {
        call("RemoveImage", s -> s.removeImage(RemoveImageRequest.newBuilder().setImage(image).build()));
    }

    /** Usage of the filesystems images (and, on split-image runtimes, containers) live on. */
    public List<FilesystemUsage> imageFsInfo() {
        return call("ImageFsInfo", s -> s.imageFsInfo(ImageFsInfoRequest.getDefaultInstance())).getImageFilesystemsList();
    }
}
