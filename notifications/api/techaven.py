"""Techaven contract, section 11 "Notifications"."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.errors import NotFound
from core.ids import TechavenIds
from notifications import selectors, services
from notifications.mapping import notification_id
from notifications.models import PushDevice
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS
from storefronts.techaven.base import TechavenPaginationSerializer, TechavenView, pagination_block


class NotificationSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    type = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    data = serializers.JSONField()
    is_read = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_id(self, obj) -> str:
        return notification_id(obj)


class NotificationListSerializer(serializers.Serializer):
    notifications = NotificationSerializer(many=True)
    unread_count = serializers.IntegerField()
    pagination = TechavenPaginationSerializer()


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class ListQuerySerializer(serializers.Serializer):
    unread_only = serializers.BooleanField(required=False, default=False)


class RegisterDeviceSerializer(serializers.Serializer):
    device_token = serializers.CharField(max_length=4096, trim_whitespace=True)
    platform = serializers.ChoiceField(choices=PushDevice.Platform.choices)


class NotificationListView(TechavenView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("unread_only", OpenApiTypes.BOOL),
        ],
        responses={200: NotificationListSerializer},
    )
    def get(self, request):
        page, limit = self.page_params()
        query = ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.notification_list(
            user=request.user, unread_only=query.validated_data["unread_only"]
        )
        result = paginate(qs, page=page, limit=limit)
        return self.ok(
            {
                "notifications": NotificationSerializer(result.items, many=True).data,
                "unread_count": selectors.unread_count(user=request.user),
                "pagination": pagination_block(result),
            },
            message="Notifications retrieved",
        )


class NotificationReadView(TechavenView):
    @extend_schema(request=None, responses={200: UnreadCountSerializer})
    def post(self, request, notification_id: str):
        uid = TechavenIds.NOTIFICATION.parse(notification_id)
        if uid is None:
            raise NotFound("Notification")
        count = services.notification_mark_read(user=request.user, uid=uid)
        return self.ok({"unread_count": count}, message="Notification marked as read")


class NotificationReadAllView(TechavenView):
    @extend_schema(request=None, responses={200: UnreadCountSerializer})
    def post(self, request):
        count = services.notification_mark_all_read(user=request.user)
        return self.ok({"unread_count": count}, message="All notifications marked as read")


class RegisterDeviceView(TechavenView):
    @extend_schema(request=RegisterDeviceSerializer, responses={200: None})
    def post(self, request):
        body = self.validated_body(RegisterDeviceSerializer)
        services.device_register(
            user=request.user,
            token=body["device_token"],
            platform=body["platform"],
        )
        return self.ok(None, message="Device registered for notifications")


urlpatterns = [
    path("notifications", NotificationListView.as_view()),
    path("notifications/read-all", NotificationReadAllView.as_view()),
    path("notifications/register-device", RegisterDeviceView.as_view()),
    path("notifications/<str:notification_id>/read", NotificationReadView.as_view()),
]
