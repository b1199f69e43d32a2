app_name = "learning_models"

urlpatterns: list = []
